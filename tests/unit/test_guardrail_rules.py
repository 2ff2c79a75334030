"""The guard's decision rules as a table: idle windows, schedules, expiry, extension, reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.guardrails.idle import IdleEvidence
from provisioning.guardrails.model import ActionKind, Guardrails, GuardRecord, WorkingHours
from provisioning.guardrails.rules import (
    ClusterFacts,
    GuardTiming,
    close_stop_period,
    decide,
    extended,
    next_action,
    open_stop_period,
    saved_hours_this_month,
    stop_is_coming,
)
from provisioning.models import Trigger

T0 = datetime(2026, 1, 12, 12, 0, tzinfo=UTC)  # a Monday
MINUTE = GuardTiming(60)
OFFICE = WorkingHours("UTC", ("mon", "tue", "wed", "thu", "fri"), "08:00", "19:00")


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


def record(**changes) -> GuardRecord:
    rules = changes.pop("rules", Guardrails(idle_stop_minutes=30))
    base = GuardRecord("owner", "rg", "demo", rules, set_at=T0 - minutes(240), updated_at=T0)
    return base.with_changes(**changes)


def running(**changes) -> ClusterFacts:
    return ClusterFacts(True, "Running", "Succeeded", **changes)


STOPPED = ClusterFacts(True, "Stopped", "Succeeded")
QUIET_FOR_AN_HOUR = IdleEvidence(True, T0 - minutes(60))


@dataclass(frozen=True)
class Case:
    name: str
    record: GuardRecord = field(default_factory=record)
    facts: ClusterFacts = field(default_factory=running)
    evidence: IdleEvidence | None = QUIET_FOR_AN_HOUR
    now: datetime = T0
    want: tuple[ActionKind, Trigger] | None = None


CASES = [
    Case("quiet for longer than the window stops", want=(ActionKind.STOP, Trigger.IDLE)),
    Case("quiet for less than the window waits", evidence=IdleEvidence(True, T0 - minutes(20))),
    Case(
        "quiet exactly the window stops",
        evidence=IdleEvidence(True, T0 - minutes(30)),
        want=(ActionKind.STOP, Trigger.IDLE),
    ),
    Case("busy now (no quiet run) waits", evidence=IdleEvidence(True, None)),
    Case("a failed metrics read means not idle", evidence=IdleEvidence.unreadable()),
    Case("no metrics read means not idle", evidence=None),
    Case(
        "a product operation inside the window means not idle",
        facts=running(last_operation_at=T0 - minutes(10)),
    ),
    Case(
        "a product operation before the window does not count",
        facts=running(last_operation_at=T0 - minutes(45)),
        want=(ActionKind.STOP, Trigger.IDLE),
    ),
    Case(
        "an extension inside the window means not idle",
        record=record(extended_at=T0 - minutes(20), extended_until=T0 - minutes(1)),
    ),
    Case(
        "a running extension means not idle",
        record=record(extended_at=T0 - minutes(200), extended_until=T0 + minutes(5)),
    ),
    Case("a stopped cluster is never idle-stopped", facts=STOPPED),
    Case(
        "no idle rule, no idle stop", record=record(rules=Guardrails(expires_at=T0 + minutes(60)))
    ),
    Case(
        "an active operation postpones the stop", facts=running(active_task_id="task-1"), want=None
    ),
    Case(
        "expiry deletes a running cluster",
        record=record(rules=Guardrails(expires_at=T0 - minutes(1))),
        evidence=None,
        want=(ActionKind.DELETE, Trigger.EXPIRY),
    ),
    Case(
        "expiry deletes a stopped cluster",
        record=record(rules=Guardrails(expires_at=T0)),
        facts=STOPPED,
        evidence=None,
        want=(ActionKind.DELETE, Trigger.EXPIRY),
    ),
    Case(
        "expiry wins over an idle stop",
        record=record(rules=Guardrails(idle_stop_minutes=30, expires_at=T0)),
        want=(ActionKind.DELETE, Trigger.EXPIRY),
    ),
    Case(
        "expiry not yet due",
        record=record(rules=Guardrails(expires_at=T0 + minutes(1))),
        evidence=None,
    ),
    Case(
        "the stop edge stops a running cluster",
        record=record(rules=Guardrails(schedule=OFFICE)),
        now=T0.replace(hour=19, second=5),
        evidence=None,
        want=(ActionKind.STOP, Trigger.SCHEDULE),
    ),
    Case(
        "the stop edge leaves a stopped cluster alone",
        record=record(rules=Guardrails(schedule=OFFICE)),
        facts=STOPPED,
        now=T0.replace(hour=19, second=5),
        evidence=None,
    ),
    Case(
        "the start edge starts a cluster stopped by hand",
        record=record(rules=Guardrails(schedule=OFFICE)),
        facts=STOPPED,
        now=(T0 + timedelta(days=1)).replace(hour=8, second=3),
        evidence=None,
        want=(ActionKind.START, Trigger.SCHEDULE),
    ),
    Case(
        "an edge already handled is not acted on again",
        record=record(rules=Guardrails(schedule=OFFICE), handled_edge_at=T0.replace(hour=19)),
        now=T0.replace(hour=19, minute=2),
        evidence=None,
    ),
    Case(
        "an edge before the rules were set is not acted on",
        record=record(rules=Guardrails(schedule=OFFICE), set_at=T0.replace(hour=19, minute=1)),
        now=T0.replace(hour=19, minute=2),
        evidence=None,
    ),
    Case(
        "an extension holds the schedule stop",
        record=record(
            rules=Guardrails(schedule=OFFICE), extended_until=T0.replace(hour=19, minute=30)
        ),
        now=T0.replace(hour=19, minute=10),
        evidence=None,
    ),
    Case(
        "the schedule stop happens once the extension ends",
        record=record(
            rules=Guardrails(schedule=OFFICE), extended_until=T0.replace(hour=19, minute=30)
        ),
        now=T0.replace(hour=19, minute=31),
        evidence=None,
        want=(ActionKind.STOP, Trigger.SCHEDULE),
    ),
    Case(
        "an overnight window stops the morning after, once",
        record=record(rules=Guardrails(schedule=WorkingHours("UTC", ("mon",), "22:00", "06:00"))),
        now=(T0 + timedelta(days=1)).replace(hour=6, second=2),
        evidence=None,
        want=(ActionKind.STOP, Trigger.SCHEDULE),
    ),
    Case(
        "a schedule in a DST zone stops at local 19:00 (18:00 UTC in winter Berlin)",
        record=record(
            rules=Guardrails(schedule=WorkingHours("Europe/Berlin", ("mon",), "08:00", "19:00"))
        ),
        now=T0.replace(hour=18, second=1),
        evidence=None,
        want=(ActionKind.STOP, Trigger.SCHEDULE),
    ),
    Case(
        "the same schedule in summer stops at 17:00 UTC",
        record=record(
            rules=Guardrails(schedule=WorkingHours("Europe/Berlin", ("mon",), "08:00", "19:00")),
            set_at=datetime(2026, 7, 13, tzinfo=UTC),
        ),
        now=datetime(2026, 7, 13, 17, 0, 1, tzinfo=UTC),
        evidence=None,
        want=(ActionKind.STOP, Trigger.SCHEDULE),
    ),
    Case(
        "a cluster that is gone gets nothing", facts=ClusterFacts(False, None, None), evidence=None
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_decision_table(case: Case) -> None:
    decision = decide(case.record, case.facts, case.evidence, case.now, MINUTE)
    got = (decision.action.kind, decision.action.reason) if decision.action else None
    assert got == case.want


def test_an_active_operation_postpones_a_due_expiry_and_names_it() -> None:
    expired = record(rules=Guardrails(expires_at=T0 - minutes(1)))
    decision = decide(expired, running(active_task_id="task-9"), None, T0, MINUTE)
    assert decision.action is None and decision.postponed_by == "task-9"


def test_an_edge_with_nothing_to_do_is_reported_handled() -> None:
    late = T0.replace(hour=19, second=5)
    decision = decide(record(rules=Guardrails(schedule=OFFICE)), STOPPED, None, late, MINUTE)
    assert decision.handled_edge_at == T0.replace(hour=19)


def test_one_second_minutes_shrink_the_idle_window() -> None:
    fast = GuardTiming(1)
    evidence = IdleEvidence(True, T0 - timedelta(seconds=31))
    decision = decide(record(), running(), evidence, T0, fast)
    assert decision.action is not None and decision.action.reason is Trigger.IDLE


# ---------------------------------------------------------------- next action and extension


def test_next_idle_stop_is_quiet_since_plus_the_window() -> None:
    quiet = record(quiet_since=T0 - minutes(10))
    upcoming = next_action(quiet, "Running", T0, MINUTE)
    assert upcoming is not None
    assert upcoming.to_dict() == {"kind": "stop", "at": "2026-01-12T12:20:00Z", "reason": "idle"}


def test_next_action_of_a_stopped_office_cluster_is_the_next_start() -> None:
    office = record(rules=Guardrails(schedule=OFFICE))
    upcoming = next_action(office, "Stopped", T0.replace(hour=20), MINUTE)
    assert upcoming is not None and upcoming.kind is ActionKind.START
    assert upcoming.at == (T0 + timedelta(days=1)).replace(hour=8)


def test_the_soonest_guardrail_wins_and_expiry_shows_as_delete() -> None:
    both = record(
        rules=Guardrails(idle_stop_minutes=30, expires_at=T0 + minutes(5)),
        quiet_since=T0 - minutes(1),
    )
    upcoming = next_action(both, "Running", T0, MINUTE)
    assert upcoming is not None and (upcoming.kind, upcoming.reason) == (
        ActionKind.DELETE,
        Trigger.EXPIRY,
    )


def test_extend_moves_the_next_stop_at_least_that_far() -> None:
    quiet = record(quiet_since=T0 - minutes(29))
    later = extended(quiet, 60, T0, MINUTE)
    upcoming = next_action(later, "Running", T0, MINUTE)
    assert upcoming is not None and upcoming.at >= T0 + minutes(60)
    office = record(rules=Guardrails(schedule=OFFICE))
    moved = next_action(
        extended(office, 120, T0.replace(hour=18), MINUTE), "Running", T0.replace(hour=18), MINUTE
    )
    assert moved is not None and moved.at == T0.replace(hour=20)


def test_nothing_to_extend_without_a_coming_stop() -> None:
    assert stop_is_coming(record(), "Running", T0, MINUTE)
    assert not stop_is_coming(record(), "Stopped", T0, MINUTE)
    expiry_only = record(rules=Guardrails(expires_at=T0 + minutes(60)))
    assert not stop_is_coming(expiry_only, "Running", T0, MINUTE)


# ---------------------------------------------------------------- savings


def test_savings_count_the_hours_a_guardrail_kept_the_cluster_stopped_this_month() -> None:
    stopped = open_stop_period(record(), Trigger.IDLE, T0)
    assert saved_hours_this_month(stopped, T0 + minutes(90), still_stopped=True) == 1.5
    restarted = close_stop_period(stopped, T0 + minutes(120))
    assert restarted.stopped_by is None
    assert saved_hours_this_month(restarted, T0 + minutes(600), still_stopped=False) == 2.0


def test_savings_restart_with_the_calendar_month() -> None:
    late_january = datetime(2026, 1, 31, 22, 0, tzinfo=UTC)
    stopped = open_stop_period(record(), Trigger.SCHEDULE, late_january)
    february = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
    assert saved_hours_this_month(stopped, february, still_stopped=True) == 3.0
    closed = close_stop_period(stopped, february)
    assert closed.saved_month == "2026-02" and closed.saved_hours == 3.0


def test_a_stop_by_hand_saves_nothing() -> None:
    assert saved_hours_this_month(record(), T0 + minutes(600), still_stopped=True) == 0.0
