"""Azure Monitor platform metrics of a managed cluster: `node_cpu_usage_percentage` only.

The shape is the one `azure-mgmt-monitor`'s `metrics.list` reads (a Response with one Metric
whose time series holds one point per interval). A running cluster's CPU is 60 % when its
name starts with `busy-`, else 2 %, until the control route changes it; every change applies
from that moment on, so earlier points keep their value. A point is the time-weighted average
over the part of its interval the cluster ran; a stopped cluster has no points.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.cluster_model import RUNNING, ClusterView
from local.arm_simulator.documents import cluster_resource_id
from local.arm_simulator.operations import CREATE, START, SUCCEEDED, operation_status

CPU_METRIC = "node_cpu_usage_percentage"
BUSY_PREFIX = "busy-"
BUSY_PERCENT = 60.0
QUIET_PERCENT = 2.0
DEFAULT_LOOKBACK_SECONDS = 3600.0
MAX_POINTS = 50_000
_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?)?$", re.IGNORECASE)


def default_percent(cluster_name: str) -> float:
    """The CPU a cluster runs at until the control route changes it."""
    return BUSY_PERCENT if cluster_name.startswith(BUSY_PREFIX) else QUIET_PERCENT


def cpu_at(view: ClusterView, moment: float) -> float:
    """The simulated CPU at an instant: the newest change at or before it, else the default."""
    percent = default_percent(view.cluster.name)
    for changed_at, value in view.cluster.cpu_changes:
        if changed_at <= moment:
            percent = value
    return percent


def running_since(view: ClusterView, now: float) -> float:
    """When the cluster last became Running (the end of its create or start)."""
    op = view.operation
    status = operation_status(op, now)
    if op.kind in (CREATE, START) and status.status == SUCCEEDED and status.end_time is not None:
        return status.end_time
    return view.cluster.running_since or view.cluster.created_at


def average_cpu(view: ClusterView, start: float, end: float) -> float:
    """Time-weighted average CPU over [start, end) (end > start)."""
    cuts = sorted({start, end, *(t for t, _ in view.cluster.cpu_changes if start < t < end)})
    total = sum(cpu_at(view, a) * (b - a) for a, b in zip(cuts, cuts[1:], strict=False))
    return total / (end - start)


def parse_interval(text: str | None) -> float:
    """An ISO 8601 duration of whole minutes, hours or days, in seconds (default PT1M)."""
    if not text:
        return 60.0
    found = _DURATION.fullmatch(text.strip())
    seconds = 0.0
    if found:
        seconds = (
            int(found["d"] or 0) * 86400 + int(found["h"] or 0) * 3600 + int(found["m"] or 0) * 60
        )
    if seconds <= 0:
        raise ArmError(
            400,
            "BadRequest",
            f"Invalid time grain '{text}'. Supported time grains are minutes, hours or days, "
            "e.g. PT1M, PT5M, PT1H, P1D.",
        )
    return seconds


def parse_timespan(text: str | None, now: float) -> tuple[float, float]:
    """`start/end` in ISO 8601 (default: the last hour)."""
    if not text:
        return now - DEFAULT_LOOKBACK_SECONDS, now
    try:
        start_text, end_text = text.split("/", 1)
        start = datetime.fromisoformat(start_text.replace("Z", "+00:00"))
        end = datetime.fromisoformat(end_text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ArmError(
            400, "BadRequest", f"Invalid timespan '{text}': expected startTime/endTime in ISO 8601."
        ) from exc
    first, last = _epoch(start), _epoch(end)
    if last <= first:
        raise ArmError(
            400, "BadRequest", f"Invalid timespan '{text}': the end is not after the start."
        )
    return first, last


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def require_cpu_metric(names: str | None) -> None:
    """Only node CPU is simulated; Azure answers an unknown metric name with 400 BadRequest."""
    wanted = [name.strip().lower() for name in (names or CPU_METRIC).split(",") if name.strip()]
    unknown = [name for name in wanted if name != CPU_METRIC]
    if unknown:
        raise ArmError(
            400,
            "BadRequest",
            f"Failed to find metric configuration for provider: Microsoft.ContainerService, "
            f"resource Type: managedClusters, metric: {unknown[0]}, Valid metrics: {CPU_METRIC}",
        )


def cpu_points(
    view: ClusterView, start: float, end: float, grain: float, now: float
) -> list[dict[str, Any]]:
    """One point per interval from start (floored to the grain) to end, while it ran."""
    if view.power_state != RUNNING:
        return []
    since = running_since(view, now)
    points: list[dict[str, Any]] = []
    moment = start - (start % grain)
    while moment < end and len(points) < MAX_POINTS:
        lo, hi = max(moment, since), min(moment + grain, end, now)
        if hi > lo:
            stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            points.append({"timeStamp": stamp, "average": round(average_cpu(view, lo, hi), 4)})
        moment += grain
    return points


def metrics_document(view: ClusterView, query: dict[str, str], now: float) -> dict[str, Any]:
    """The metrics.list Response for node CPU over the query's timespan and interval."""
    require_cpu_metric(query.get("metricnames"))
    aggregation = (query.get("aggregation") or "Average").strip().lower()
    if aggregation != "average":
        raise ArmError(
            400,
            "BadRequest",
            f"Aggregation '{query.get('aggregation')}' is not supported here; use Average.",
        )
    grain = parse_interval(query.get("interval"))
    start, end = parse_timespan(query.get("timespan"), now)
    cluster = view.cluster
    resource_id = cluster_resource_id(cluster.subscription_id, cluster.resource_group, cluster.name)
    data = cpu_points(view, start, end, grain, now)
    return {
        "cost": len(data),
        "timespan": query.get("timespan") or f"{_iso(start)}/{_iso(end)}",
        "interval": query.get("interval") or "PT1M",
        "value": [
            {
                "id": f"{resource_id}/providers/Microsoft.Insights/metrics/{CPU_METRIC}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": CPU_METRIC, "localizedValue": "CPU Usage Percentage"},
                "displayDescription": "Aggregated average CPU utilization measured in "
                "percentage across the cluster",
                "unit": "Percent",
                "timeseries": [{"metadatavalues": [], "data": data}],
                "errorCode": "Success",
            }
        ],
        "namespace": "Microsoft.ContainerService/managedClusters",
        "resourceregion": cluster.location,
    }


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_percent(body: Any) -> float:
    """The control route's body: {"percent": 0..100}."""
    value = body.get("percent") if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise arm_errors.invalid_parameter("percent", "percent must be a number from 0 to 100.")
    return float(value)
