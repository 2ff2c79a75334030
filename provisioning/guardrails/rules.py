"""The guard's decision rules as pure functions: what to do now, what comes next, what it saved.

Every input is a value (the stored record, the cluster's facts, the CPU evidence, the clock),
so the rules are tested as tables. The guard decides with these, then reads everything again
and applies the same rules before it acts (guardrails.service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from provisioning.guardrails.idle import IdleEvidence
from provisioning.guardrails.model import (
    ActionKind,
    GuardRecord,
    iso_or_none,
    time_or_none,
)
from provisioning.guardrails.schedule import latest_edge, upcoming_edges
from provisioning.models import Trigger
from provisioning.operations.registry import RUNNING, STOPPED

__all__ = ["RUNNING", "STOPPED"]  # ARM's power states, spelled once in the registry
# When two actions fall due at once, the stronger one wins.
PRIORITY = {ActionKind.DELETE: 0, ActionKind.STOP: 1, ActionKind.START: 2}


@dataclass(frozen=True)
class GuardTiming:
    """How long one guardrail minute lasts (60 s in Azure; a second in fast local runs)."""

    minute_seconds: float = 60.0

    def minutes(self, count: int) -> timedelta:
        """`count` guardrail minutes as a duration."""
        return timedelta(seconds=count * self.minute_seconds)


@dataclass(frozen=True)
class ClusterFacts:
    """What the guard knows of the cluster now: ARM's state and the product's operations."""

    exists: bool
    power_state: str | None
    provisioning_state: str | None
    # A queued or running operation of the product on this cluster (it postpones any action).
    active_task_id: str | None = None
    # When the product's newest operation on this cluster was created or last changed.
    last_operation_at: datetime | None = None


@dataclass(frozen=True)
class GuardAction:
    """One automatic operation to start: stop, start or delete, and which guardrail wants it."""

    kind: ActionKind
    reason: Trigger
    edge_at: datetime | None = None
    quiet_since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for activity inputs and results."""
        return {
            "kind": str(self.kind),
            "reason": str(self.reason),
            "edge_at": iso_or_none(self.edge_at),
            "quiet_since": iso_or_none(self.quiet_since),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> GuardAction | None:
        """Rebuild from to_dict() output (None stays None)."""
        if not data:
            return None
        return cls(
            kind=ActionKind(data["kind"]),
            reason=Trigger(data["reason"]),
            edge_at=time_or_none(data.get("edge_at")),
            quiet_since=time_or_none(data.get("quiet_since")),
        )


@dataclass(frozen=True)
class Decision:
    """What the rules say now: an action (or none), what postponed it, the edge dealt with."""

    action: GuardAction | None
    postponed_by: str | None = None
    # A schedule edge that needs nothing done (the cluster is already as it asks): handled.
    handled_edge_at: datetime | None = None


@dataclass(frozen=True)
class NextAction:
    """The next automatic action the guardrails will take, and when (the dashboard's line)."""

    kind: ActionKind
    at: datetime
    reason: Trigger

    def to_dict(self) -> dict[str, Any]:
        """The contract's `next_action`."""
        return {"kind": str(self.kind), "at": _iso_z(self.at), "reason": str(self.reason)}


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def idle_window(record: GuardRecord, timing: GuardTiming) -> timedelta | None:
    """The idle rule's window, or None without one."""
    minutes = record.guardrails.idle_stop_minutes
    return timing.minutes(minutes) if minutes is not None else None


def idle_blocked(
    record: GuardRecord, facts: ClusterFacts, now: datetime, timing: GuardTiming
) -> bool:
    """True when something other than CPU already says "not idle" (no metrics read needed)."""
    window = idle_window(record, timing)
    if window is None or facts.power_state != RUNNING:
        return True
    if facts.active_task_id is not None:
        return True
    since = now - window
    recent = (facts.last_operation_at, record.extended_at)
    if any(moment is not None and moment > since for moment in recent):
        return True
    return record.extended_until is not None and now < record.extended_until


def is_idle(
    record: GuardRecord,
    facts: ClusterFacts,
    evidence: IdleEvidence | None,
    now: datetime,
    timing: GuardTiming,
) -> bool:
    """Idle: running, no operation, no extension and CPU under the threshold, for the window."""
    window = idle_window(record, timing)
    if window is None or idle_blocked(record, facts, now, timing):
        return False
    if evidence is None or not evidence.read_ok or evidence.quiet_since is None:
        return False
    return evidence.quiet_since <= now - window


def decide(
    record: GuardRecord,
    facts: ClusterFacts,
    evidence: IdleEvidence | None,
    now: datetime,
    timing: GuardTiming,
) -> Decision:
    """The action due now, if any: expiry first, then a due schedule edge, then idleness."""
    action, handled = _due_action(record, facts, evidence, now, timing)
    if action is not None and facts.active_task_id is not None:
        return Decision(None, postponed_by=facts.active_task_id)
    return Decision(action, handled_edge_at=handled)


def _due_action(
    record: GuardRecord,
    facts: ClusterFacts,
    evidence: IdleEvidence | None,
    now: datetime,
    timing: GuardTiming,
) -> tuple[GuardAction | None, datetime | None]:
    rules = record.guardrails
    if not facts.exists:
        return None, None
    if rules.expires_at is not None and rules.expires_at <= now:
        return GuardAction(ActionKind.DELETE, Trigger.EXPIRY), None
    handled: datetime | None = None
    if rules.schedule is not None:
        after = max(filter(None, (record.handled_edge_at, record.set_at)))
        edge = latest_edge(rules.schedule, now, after)
        if edge is not None:
            if edge.kind is ActionKind.STOP and facts.power_state == RUNNING:
                if record.extended_until is None or now >= record.extended_until:
                    return GuardAction(ActionKind.STOP, Trigger.SCHEDULE, edge.at), None
            elif edge.kind is ActionKind.START and facts.power_state == STOPPED:
                return GuardAction(ActionKind.START, Trigger.SCHEDULE, edge.at), None
            else:
                handled = edge.at  # already as the edge asks: nothing to do for it
    if is_idle(record, facts, evidence, now, timing):
        assert evidence is not None
        return GuardAction(ActionKind.STOP, Trigger.IDLE, quiet_since=evidence.quiet_since), handled
    return None, handled


def still_holds(wanted: GuardAction, decision: Decision) -> bool:
    """True when a fresh decision asks for the same action for the same reason."""
    fresh = decision.action
    return fresh is not None and (fresh.kind, fresh.reason) == (wanted.kind, wanted.reason)


def idle_stop_at(
    record: GuardRecord, now: datetime, timing: GuardTiming, last_operation_at: datetime | None
) -> datetime | None:
    """When the idle rule stops a running cluster if it stays idle from now on."""
    window = idle_window(record, timing)
    if window is None:
        return None
    quiet = max(
        moment
        for moment in (record.quiet_since or record.set_at, record.extended_at, last_operation_at)
        if moment is not None
    )
    at = quiet + window
    if record.extended_until is not None:
        at = max(at, record.extended_until)
    return max(at, now)


def upcoming_actions(
    record: GuardRecord,
    power_state: str | None,
    now: datetime,
    timing: GuardTiming,
    last_operation_at: datetime | None = None,
) -> list[NextAction]:
    """Each guardrail's next action for a cluster in `power_state`, soonest first."""
    rules = record.guardrails
    found: list[NextAction] = []
    if rules.expires_at is not None:
        found.append(NextAction(ActionKind.DELETE, max(rules.expires_at, now), Trigger.EXPIRY))
    if rules.schedule is not None:
        scheduled = _next_schedule_action(record, power_state, now)
        if scheduled is not None:
            found.append(scheduled)
    if power_state == RUNNING:
        idle_at = idle_stop_at(record, now, timing, last_operation_at)
        if idle_at is not None:
            found.append(NextAction(ActionKind.STOP, idle_at, Trigger.IDLE))
    return sorted(found, key=lambda action: (action.at, PRIORITY[action.kind]))


def _next_schedule_action(
    record: GuardRecord, power_state: str | None, now: datetime
) -> NextAction | None:
    """The first schedule edge that would change this cluster (a stop waits out an extension)."""
    schedule = record.guardrails.schedule
    assert schedule is not None
    wanted = ActionKind.START if power_state == STOPPED else ActionKind.STOP
    after = max(filter(None, (record.handled_edge_at, record.set_at)))
    due = latest_edge(schedule, now, after)
    candidates = ([due] if due is not None else []) + upcoming_edges(schedule, now)
    edge = next((edge for edge in candidates if edge.kind is wanted), None)
    if edge is None:
        return None
    at = max(edge.at, now)
    if wanted is ActionKind.STOP and record.extended_until is not None:
        at = max(at, record.extended_until)
    return NextAction(wanted, at, Trigger.SCHEDULE)


def next_action(
    record: GuardRecord,
    power_state: str | None,
    now: datetime,
    timing: GuardTiming,
    last_operation_at: datetime | None = None,
) -> NextAction | None:
    """The soonest of upcoming_actions (None: nothing automatic is coming)."""
    found = upcoming_actions(record, power_state, now, timing, last_operation_at)
    return found[0] if found else None


def stop_is_coming(
    record: GuardRecord, power_state: str | None, now: datetime, timing: GuardTiming
) -> bool:
    """True when an idle or schedule stop is ahead (what extend can move)."""
    return any(
        action.kind is ActionKind.STOP
        for action in upcoming_actions(record, power_state, now, timing)
    )


def extended(record: GuardRecord, minutes: int, now: datetime, timing: GuardTiming) -> GuardRecord:
    """The record after an extension: no automatic stop before now + minutes."""
    until = now + timing.minutes(minutes)
    if record.extended_until is not None:
        until = max(until, record.extended_until)
    return record.with_changes(extended_at=now, extended_until=until, updated_at=now)


# ---------------------------------------------------------------- savings


def month_key(moment: datetime) -> str:
    """The UTC calendar month of an instant, "YYYY-MM"."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_start(moment: datetime) -> datetime:
    """The first instant of the UTC calendar month of `moment`."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=UTC)


def _hours_in_month(since: datetime, until: datetime) -> float:
    start = max(since, month_start(until))
    return max((until - start).total_seconds(), 0.0) / 3600.0


def _this_month(record: GuardRecord, moment: datetime) -> float:
    return record.saved_hours if record.saved_month == month_key(moment) else 0.0


def open_stop_period(record: GuardRecord, reason: Trigger, at: datetime) -> GuardRecord:
    """A guardrail stopped the cluster at `at`: its savings clock runs from then."""
    return record.with_changes(
        stopped_by=str(reason),
        stopped_since=at,
        saved_month=month_key(at),
        saved_hours=_this_month(record, at),
        observed_power=STOPPED,
        observed_at=at,
    )


def close_stop_period(record: GuardRecord, at: datetime) -> GuardRecord:
    """The cluster runs again (or was stopped by hand): bank this month's stopped hours."""
    if record.stopped_by is None or record.stopped_since is None:
        return record
    hours = _this_month(record, at) + _hours_in_month(record.stopped_since, at)
    return record.with_changes(
        stopped_by=None, stopped_since=None, saved_month=month_key(at), saved_hours=hours
    )


def saved_hours_this_month(record: GuardRecord, now: datetime, still_stopped: bool) -> float:
    """Hours the guardrails kept the cluster stopped this UTC month, up to now."""
    hours = _this_month(record, now)
    if still_stopped and record.stopped_by is not None and record.stopped_since is not None:
        hours += _hours_in_month(record.stopped_since, now)
    return hours
