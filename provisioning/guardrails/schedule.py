"""Working hours as instants: the start and stop edges of a weekly schedule in its time zone.

Times are wall-clock times in the schedule's IANA zone, so daylight saving moves the UTC
instant, not the local time. A local time that does not exist (the spring-forward gap)
happens at the same offset as just before the gap, i.e. one hour later on the clock; one that
exists twice (fall back) happens the first time. A window whose stop is not after its start
(`22:00`-`06:00`) crosses midnight and belongs to the day it starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from provisioning.guardrails.model import DAY_NAMES, ActionKind, WorkingHours

# Edges are searched this many days either side of the instant asked about (a week, plus
# the day an overnight window spills into, plus slack for the widest UTC offsets).
SEARCH_DAYS = 9


@dataclass(frozen=True)
class Edge:
    """One instant the schedule starts or stops the cluster."""

    kind: ActionKind
    at: datetime


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone (cached: a schedule is read on every check)."""
    return ZoneInfo(name)


def clock_time(text: str) -> time:
    """HH:MM as a time of day."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date (gap and fold rules above)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def crosses_midnight(hours: WorkingHours) -> bool:
    """True when the window ends on the next day (`stop` is not after `start`)."""
    return clock_time(hours.stop) <= clock_time(hours.start)


def windows(
    hours: WorkingHours, first_day: date, last_day: date
) -> Iterator[tuple[datetime, datetime]]:
    """(start, stop) instants of every window that starts on a listed day in the range."""
    tz = zone(hours.timezone)
    start, stop = clock_time(hours.start), clock_time(hours.stop)
    overnight = crosses_midnight(hours)
    wanted = {DAY_NAMES.index(day) for day in hours.days}
    day = first_day
    while day <= last_day:
        if day.weekday() in wanted:
            stop_day = day + timedelta(days=1) if overnight else day
            yield local_instant(day, start, tz), local_instant(stop_day, stop, tz)
        day += timedelta(days=1)


def edges_around(hours: WorkingHours, moment: datetime) -> list[Edge]:
    """Every edge within SEARCH_DAYS of `moment`, in time order."""
    local_day = moment.astimezone(zone(hours.timezone)).date()
    found: list[Edge] = []
    span = timedelta(days=SEARCH_DAYS)
    for start, stop in windows(hours, local_day - span, local_day + span):
        found.append(Edge(ActionKind.START, start))
        found.append(Edge(ActionKind.STOP, stop))
    return sorted(found, key=lambda edge: (edge.at, edge.kind == ActionKind.START))


def latest_edge(hours: WorkingHours, now: datetime, after: datetime | None) -> Edge | None:
    """The newest edge at or before `now` and strictly after `after` (None: none due)."""
    due = [edge for edge in edges_around(hours, now) if edge.at <= now]
    if after is not None:
        due = [edge for edge in due if edge.at > after]
    return due[-1] if due else None


def upcoming_edges(hours: WorkingHours, now: datetime) -> list[Edge]:
    """The edges strictly after `now`, soonest first (at least a week of them)."""
    return [edge for edge in edges_around(hours, now) if edge.at > now]


def in_working_hours(hours: WorkingHours, moment: datetime) -> bool:
    """True when `moment` falls inside one of the schedule's windows."""
    local_day = moment.astimezone(zone(hours.timezone)).date()
    return any(
        start <= moment < stop
        for start, stop in windows(hours, local_day - timedelta(days=2), local_day)
    )
