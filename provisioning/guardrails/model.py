"""The owner's guardrails and the stored state of one guarded cluster, as frozen values."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from provisioning.utc import as_utc

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INSTANCE_PREFIX = "guardrail-"


class ActionKind(StrEnum):
    """What a guardrail does to a cluster."""

    STOP = "stop"
    START = "start"
    DELETE = "delete"


@dataclass(frozen=True)
class WorkingHours:
    """Run on `days` from `start` to `stop` (HH:MM) in `timezone`; overnight windows allowed."""

    timezone: str
    days: tuple[str, ...]
    start: str
    stop: str

    def to_dict(self) -> dict[str, Any]:
        """The contract's `schedule` object."""
        return {
            "timezone": self.timezone,
            "days": list(self.days),
            "start": self.start,
            "stop": self.stop,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> WorkingHours | None:
        """Rebuild from to_dict() output (None stays None)."""
        if not data:
            return None
        return cls(
            timezone=str(data["timezone"]),
            days=tuple(str(day) for day in data["days"]),
            start=str(data["start"]),
            stop=str(data["stop"]),
        )


@dataclass(frozen=True)
class Guardrails:
    """The three rules an owner sets on a cluster; all None means no guardrails."""

    idle_stop_minutes: int | None = None
    schedule: WorkingHours | None = None
    expires_at: datetime | None = None

    @property
    def is_empty(self) -> bool:
        """True when no rule is set (the guardrails are removed)."""
        return self.idle_stop_minutes is None and self.schedule is None and self.expires_at is None


@dataclass(frozen=True)
class GuardRecord:
    """One guarded cluster's row: its rules, extensions, what the guard saw and saved."""

    owner_id: str
    resource_group: str
    cluster_name: str
    guardrails: Guardrails
    # When the rules were last set: schedule edges at or before it are not acted on.
    set_at: datetime
    updated_at: datetime
    extended_at: datetime | None = None
    extended_until: datetime | None = None
    # The newest schedule edge the guard has dealt with (acted on, or found nothing to do).
    handled_edge_at: datetime | None = None
    # The power state the guard last knew ("Running", "Stopped") and when it learnt it.
    observed_power: str | None = None
    observed_at: datetime | None = None
    # From node CPU: since when the cluster has been quiet (None: busy, or not known yet).
    quiet_since: datetime | None = None
    # A stop by a guardrail that still holds: why, and since when (the savings clock).
    stopped_by: str | None = None
    stopped_since: datetime | None = None
    # Hours guardrails kept the cluster stopped in `saved_month` ("YYYY-MM", UTC), closed periods.
    saved_month: str | None = None
    saved_hours: float = 0.0
    etag: str | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """(resource group, name), case-insensitive as ARM compares them."""
        return self.resource_group.lower(), self.cluster_name.lower()

    def with_changes(self, **changes: Any) -> GuardRecord:
        """A copy with some fields changed (rules stay values)."""
        return replace(self, **changes)


def row_key_for(resource_group: str, cluster_name: str) -> str:
    """The row key of a cluster: resource group and name, lower-cased (ARM ignores case)."""
    return f"{resource_group.lower()}:{cluster_name.lower()}"


def instance_id_for(owner_id: str, resource_group: str, cluster_name: str) -> str:
    """The guard orchestration's instance id: stable per owner and cluster, no user text in it."""
    digest = hashlib.sha256(
        f"{owner_id}\n{resource_group.lower()}\n{cluster_name.lower()}".encode()
    ).hexdigest()
    return f"{INSTANCE_PREFIX}{digest[:40]}"


def iso_or_none(moment: datetime | None) -> str | None:
    """ISO 8601 text of an aware UTC time (None stays None)."""
    return as_utc(moment).isoformat() if moment is not None else None


def time_or_none(text: Any) -> datetime | None:
    """Parse iso_or_none() output back (None or empty stays None)."""
    return as_utc(datetime.fromisoformat(str(text))) if text else None
