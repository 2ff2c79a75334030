"""Is a cluster idle? Node CPU from Azure Monitor (`node_cpu_usage_percentage`), read once.

`quiet_since` is what one metrics read proves: the cluster's average node CPU stayed under
the threshold from that instant until the newest point. A read that fails, or that has no
values, proves nothing (never idle on no evidence). The SDK is imported in the read only:
this module loads when an activity runs, never with function_app.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from provisioning.utc import as_utc

logger = logging.getLogger(__name__)

CPU_METRIC = "node_cpu_usage_percentage"
GRAIN = timedelta(minutes=1)
GRAIN_ISO = "PT1M"


@dataclass(frozen=True)
class CpuPoint:
    """One time grain's average node CPU (None: Azure Monitor has no value for it)."""

    at: datetime
    average: float | None


@dataclass(frozen=True)
class IdleEvidence:
    """What a metrics read showed: whether it worked and since when CPU stayed low."""

    read_ok: bool
    quiet_since: datetime | None

    @classmethod
    def unreadable(cls) -> IdleEvidence:
        """A failed read: not idle."""
        return cls(False, None)


def quiet_since(points: Iterable[CpuPoint], threshold: float) -> datetime | None:
    """Start of the trailing run of grains under `threshold`; None when the newest is busy.

    Grains without a value (ingestion delay, gaps) are skipped, not counted as quiet.
    """
    valued = sorted((p for p in points if p.average is not None), key=lambda p: p.at)
    if not valued:
        return None
    busy = [p for p in valued if p.average is not None and p.average >= threshold]
    if not busy:
        return valued[0].at
    last_busy = busy[-1]
    return last_busy.at + GRAIN


def timespan(start: datetime, end: datetime) -> str:
    """Azure Monitor's `start/end` timespan in UTC."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f"{as_utc(start).strftime(fmt)}/{as_utc(end).strftime(fmt)}"


def cpu_points(response: Any) -> list[CpuPoint]:
    """The node CPU points of a metrics.list response (every time series, flattened)."""
    found: list[CpuPoint] = []
    for metric in response.value or []:
        name = getattr(metric.name, "value", "") or ""
        if name.lower() != CPU_METRIC:
            continue
        for series in metric.timeseries or []:
            for value in series.data or []:
                found.append(CpuPoint(as_utc(value.time_stamp), value.average))
    return found


def read_idle_evidence(
    monitor_client: Any,
    cluster_id: str,
    *,
    window_start: datetime,
    now: datetime,
    threshold: float,
) -> IdleEvidence:
    """One metrics read over [window_start, now] (at least one grain); a failure is "not idle"."""
    try:
        response = monitor_client.metrics.list(
            cluster_id,
            timespan=timespan(min(window_start, now - GRAIN), now),
            interval=GRAIN_ISO,
            metricnames=CPU_METRIC,
            aggregation="Average",
        )
        return IdleEvidence(True, quiet_since(cpu_points(response), threshold))
    except Exception as exc:  # any SDK or transport fault: no evidence, so not idle
        logger.warning("node CPU of %s unreadable: %s", cluster_id, exc)
        return IdleEvidence.unreadable()
