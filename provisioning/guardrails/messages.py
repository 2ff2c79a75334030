"""What crosses the guard orchestration's boundaries: its input, the check's verdict, the act.

Frozen values with to_dict/from_dict: the orchestration input carries the settings (the
orchestrator never reads them), and each activity gets the orchestration's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from provisioning.guardrails.model import iso_or_none, time_or_none
from provisioning.guardrails.rules import GuardAction, GuardTiming


class Wake(StrEnum):
    """Why a guard generation runs: it decides how much the check must read again."""

    START = "start"
    TIMER = "timer"
    CHANGED = "changed"
    EXTENDED = "extended"
    AFTER_ACTION = "after_action"
    RETRY = "retry"


class ActOutcome(StrEnum):
    """What became of an action after the second look."""

    STARTED = "started"
    BUSY = "busy"  # another operation holds the cluster: try again at the next check
    NO_LONGER_DUE = "no_longer_due"
    GONE = "gone"


@dataclass(frozen=True)
class GuardSettings:
    """The settings a guard runs with, as the check read them (an eternal guard follows an
    app setting changed after it started from its next generation on)."""

    check_seconds: int
    minute_seconds: float
    idle_cpu_percent: float
    poll_seconds: int
    deadline_minutes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON for the check's result."""
        return {
            "check_seconds": self.check_seconds,
            "minute_seconds": self.minute_seconds,
            "idle_cpu_percent": self.idle_cpu_percent,
            "poll_seconds": self.poll_seconds,
            "deadline_minutes": self.deadline_minutes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> GuardSettings | None:
        """Rebuild from to_dict() output (None stays None)."""
        if not data:
            return None
        return cls(
            check_seconds=int(data["check_seconds"]),
            minute_seconds=float(data["minute_seconds"]),
            idle_cpu_percent=float(data["idle_cpu_percent"]),
            poll_seconds=int(data["poll_seconds"]),
            deadline_minutes=int(data["deadline_minutes"]),
        )


@dataclass(frozen=True)
class GuardInput:
    """One guarded cluster and the settings its guard runs with (the orchestration input)."""

    owner_id: str
    resource_group: str
    cluster_name: str
    subscription_id: str
    tenant_id: str
    check_seconds: int
    minute_seconds: float
    idle_cpu_percent: float
    poll_seconds: int
    deadline_minutes: int
    wake: Wake = Wake.START
    generation: int = 0

    @property
    def timing(self) -> GuardTiming:
        """How long a guardrail minute lasts for this guard."""
        return GuardTiming(self.minute_seconds)

    def next_generation(self, wake: Wake, settings: GuardSettings | None = None) -> GuardInput:
        """The input continue_as_new passes on, with the app's current settings if known."""
        return replace(self.with_settings(settings), wake=wake, generation=self.generation + 1)

    def with_settings(self, settings: GuardSettings | None) -> GuardInput:
        """The same guard running with `settings` (None: unchanged)."""
        if settings is None:
            return self
        return replace(
            self,
            check_seconds=settings.check_seconds,
            minute_seconds=settings.minute_seconds,
            idle_cpu_percent=settings.idle_cpu_percent,
            poll_seconds=settings.poll_seconds,
            deadline_minutes=settings.deadline_minutes,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON for the orchestration input."""
        return {
            "owner_id": self.owner_id,
            "resource_group": self.resource_group,
            "cluster_name": self.cluster_name,
            "subscription_id": self.subscription_id,
            "tenant_id": self.tenant_id,
            "check_seconds": self.check_seconds,
            "minute_seconds": self.minute_seconds,
            "idle_cpu_percent": self.idle_cpu_percent,
            "poll_seconds": self.poll_seconds,
            "deadline_minutes": self.deadline_minutes,
            "wake": str(self.wake),
            "generation": self.generation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuardInput:
        """Rebuild the input the orchestrator received."""
        return cls(
            owner_id=str(data["owner_id"]),
            resource_group=str(data["resource_group"]),
            cluster_name=str(data["cluster_name"]),
            subscription_id=str(data["subscription_id"]),
            tenant_id=str(data.get("tenant_id") or ""),
            check_seconds=int(data["check_seconds"]),
            minute_seconds=float(data["minute_seconds"]),
            idle_cpu_percent=float(data["idle_cpu_percent"]),
            poll_seconds=int(data["poll_seconds"]),
            deadline_minutes=int(data["deadline_minutes"]),
            wake=Wake(data.get("wake") or Wake.START),
            generation=int(data.get("generation") or 0),
        )


@dataclass(frozen=True)
class CheckInput:
    """The check activity's input: the guard and the orchestration's clock."""

    guard: GuardInput
    now: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity input."""
        return {"guard": self.guard.to_dict(), "now": iso_or_none(self.now)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckInput:
        """Rebuild the activity input."""
        now = time_or_none(data["now"])
        assert now is not None
        return cls(GuardInput.from_dict(data["guard"]), now)


@dataclass(frozen=True)
class GuardVerdict:
    """What a check found: the guard ends, or an action is due, and when to look again."""

    ended: bool
    next_check_at: datetime
    action: GuardAction | None = None
    end_reason: str | None = None
    postponed_by: str | None = None
    arm_reads: int = 0
    # The app's settings when the check ran: the next generation runs with them.
    settings: GuardSettings | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {
            "settings": self.settings.to_dict() if self.settings else None,
            "ended": self.ended,
            "next_check_at": iso_or_none(self.next_check_at),
            "action": self.action.to_dict() if self.action else None,
            "end_reason": self.end_reason,
            "postponed_by": self.postponed_by,
            "arm_reads": self.arm_reads,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuardVerdict:
        """Rebuild the activity result."""
        next_check_at = time_or_none(data["next_check_at"])
        assert next_check_at is not None
        return cls(
            ended=bool(data["ended"]),
            next_check_at=next_check_at,
            action=GuardAction.from_dict(data.get("action")),
            end_reason=data.get("end_reason"),
            postponed_by=data.get("postponed_by"),
            arm_reads=int(data.get("arm_reads") or 0),
            settings=GuardSettings.from_dict(data.get("settings")),
        )


@dataclass(frozen=True)
class ActInput:
    """The act activity's input: the action to re-check and start, with a replay-safe id part."""

    guard: GuardInput
    action: GuardAction
    now: datetime
    unique: str

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity input."""
        return {
            "guard": self.guard.to_dict(),
            "action": self.action.to_dict(),
            "now": iso_or_none(self.now),
            "unique": self.unique,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActInput:
        """Rebuild the activity input."""
        now = time_or_none(data["now"])
        action = GuardAction.from_dict(data["action"])
        assert now is not None and action is not None
        return cls(GuardInput.from_dict(data["guard"]), action, now, str(data["unique"]))


@dataclass(frozen=True)
class ActResult:
    """The act's outcome; when started, the task and its operation orchestration's input."""

    outcome: ActOutcome
    task_id: str | None = None
    operation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {
            "outcome": str(self.outcome),
            "task_id": self.task_id,
            "operation": self.operation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActResult:
        """Rebuild the activity result."""
        return cls(
            outcome=ActOutcome(data["outcome"]),
            task_id=data.get("task_id"),
            operation=data.get("operation"),
        )
