"""Working hours as instants: daylight saving, overnight windows, days of the week."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisioning.guardrails.model import ActionKind, WorkingHours
from provisioning.guardrails.schedule import (
    in_working_hours,
    latest_edge,
    upcoming_edges,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def hours(start: str, stop: str, zone: str = "Europe/Berlin", days=WEEKDAYS) -> WorkingHours:
    return WorkingHours(zone, tuple(days), start, stop)


@pytest.mark.parametrize(
    ("now", "kind", "at"),
    [
        # Berlin is UTC+1 in winter: 08:00 local is 07:00 UTC.
        (utc(2026, 1, 12, 6, 0), ActionKind.START, utc(2026, 1, 12, 7, 0)),
        (utc(2026, 1, 12, 7, 0), ActionKind.STOP, utc(2026, 1, 12, 18, 0)),
        # Friday 19:00 local, then nothing until Monday 08:00.
        (utc(2026, 1, 16, 18, 30), ActionKind.START, utc(2026, 1, 19, 7, 0)),
        # Summer time (UTC+2): the same wall-clock start is an hour earlier in UTC.
        (utc(2026, 7, 13, 5, 0), ActionKind.START, utc(2026, 7, 13, 6, 0)),
    ],
)
def test_the_next_edge_is_the_wall_clock_time_in_the_schedule_zone(now, kind, at) -> None:
    edge = upcoming_edges(hours("08:00", "19:00"), now)[0]
    assert (edge.kind, edge.at) == (kind, at)


def test_a_start_inside_the_spring_forward_gap_happens_an_hour_later_on_the_clock() -> None:
    # 29 March 2026: Berlin jumps from 02:00 to 03:00; 02:30 does not exist that day.
    edge = upcoming_edges(hours("02:30", "05:00", days=("sun",)), utc(2026, 3, 29, 0, 0))[0]
    assert edge.kind is ActionKind.START
    assert edge.at == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_a_stop_in_the_hour_that_repeats_in_autumn_happens_the_first_time() -> None:
    # 25 October 2026: Berlin's 02:30 happens twice; the first is 00:30 UTC (CEST).
    schedule = hours("01:00", "02:30", days=("sun",))
    stop = [
        e for e in upcoming_edges(schedule, utc(2026, 10, 24, 12, 0)) if e.kind is ActionKind.STOP
    ]
    assert stop[0].at == utc(2026, 10, 25, 0, 30)


def test_each_day_keeps_its_local_time_across_the_daylight_saving_change() -> None:
    schedule = hours("08:00", "19:00", zone="America/New_York", days=("fri", "mon"))
    starts = [
        e.at for e in upcoming_edges(schedule, utc(2026, 3, 6, 0, 0)) if e.kind is ActionKind.START
    ]
    # Friday 6 March is EST (UTC-5); Monday 9 March is EDT (UTC-4).
    assert starts[:2] == [utc(2026, 3, 6, 13, 0), utc(2026, 3, 9, 12, 0)]


def test_an_overnight_window_belongs_to_the_day_it_starts() -> None:
    night = hours("22:00", "06:00", zone="UTC", days=("fri",))
    # Friday 22:00 to Saturday 06:00 is working time; Saturday 22:00 is not.
    assert in_working_hours(night, utc(2026, 1, 17, 3, 0))
    assert not in_working_hours(night, utc(2026, 1, 17, 23, 0))
    assert not in_working_hours(night, utc(2026, 1, 16, 21, 59))
    edges = upcoming_edges(night, utc(2026, 1, 16, 12, 0))[:2]
    assert [(e.kind, e.at) for e in edges] == [
        (ActionKind.START, utc(2026, 1, 16, 22, 0)),
        (ActionKind.STOP, utc(2026, 1, 17, 6, 0)),
    ]


def test_the_latest_due_edge_ignores_edges_already_handled() -> None:
    schedule = hours("08:00", "19:00", zone="UTC")
    now = utc(2026, 1, 12, 19, 0, 30)
    stop = latest_edge(schedule, now, after=None)
    assert stop is not None and (stop.kind, stop.at) == (ActionKind.STOP, utc(2026, 1, 12, 19, 0))
    assert latest_edge(schedule, now, after=stop.at) is None
