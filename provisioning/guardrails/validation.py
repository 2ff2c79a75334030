"""The guardrails PUT body and the extend body: every field checked, a bad one named (400)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeGuard
from zoneinfo import available_timezones

from provisioning.guardrails.model import DAY_NAMES, Guardrails, WorkingHours
from provisioning.requests.validation import RequestValidationError
from provisioning.utc import as_utc

IDLE_MINUTES_MIN = 15
IDLE_MINUTES_MAX = 1440
EXTEND_MINUTES_MIN = 30
EXTEND_MINUTES_MAX = 480
EXPIRY_MIN_AHEAD = timedelta(minutes=1)
EXPIRY_MAX_AHEAD = timedelta(days=90)
GUARDRAIL_FIELDS = ("idle_stop_minutes", "schedule", "expires_at")
SCHEDULE_FIELDS = ("timezone", "days", "start", "stop")
CLOCK_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
# ISO 8601 with a UTC designator: a date, a time, optional fraction, then Z or +00:00.
UTC_INSTANT_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]00:?00)$"
)


@lru_cache(maxsize=1)
def iana_zones() -> frozenset[str]:
    """Every IANA zone name this platform knows (the tzdata package ships them)."""
    return frozenset(available_timezones())


def validate_guardrails(body: object, *, now: datetime) -> Guardrails:
    """The PUT body as Guardrails (all three absent or null removes them); 400 names the field."""
    fields = _object(body, "body", GUARDRAIL_FIELDS)
    return Guardrails(
        idle_stop_minutes=_idle_minutes(fields.get("idle_stop_minutes")),
        schedule=_schedule(fields.get("schedule")),
        expires_at=_expiry(fields.get("expires_at"), now),
    )


def validate_extension(body: object) -> int:
    """The extend body's minutes (30..480)."""
    fields = _object(body, "body", ("minutes",))
    minutes = fields.get("minutes")
    if not _whole(minutes) or not EXTEND_MINUTES_MIN <= minutes <= EXTEND_MINUTES_MAX:
        raise RequestValidationError(
            "minutes",
            f"minutes must be a whole number from {EXTEND_MINUTES_MIN} to {EXTEND_MINUTES_MAX}",
        )
    return minutes


def _object(value: object, name: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    """A JSON object with only the allowed keys (an unknown one is named, with its parent)."""
    if value is None and name == "body":
        value = {}
    if not isinstance(value, dict):
        raise RequestValidationError(name, f"{name} must be a JSON object")
    prefix = "" if name == "body" else f"{name}."
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise RequestValidationError(
            f"{prefix}{unknown[0]}",
            f"{prefix}{unknown[0]} is not a known field; allowed fields are {', '.join(allowed)}",
        )
    return value


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _idle_minutes(value: object) -> int | None:
    if value is None:
        return None
    if not _whole(value) or not IDLE_MINUTES_MIN <= value <= IDLE_MINUTES_MAX:
        raise RequestValidationError(
            "idle_stop_minutes",
            f"idle_stop_minutes must be null or a whole number from {IDLE_MINUTES_MIN} "
            f"to {IDLE_MINUTES_MAX}",
        )
    return value


def _schedule(value: object) -> WorkingHours | None:
    if value is None:
        return None
    fields = _object(value, "schedule", SCHEDULE_FIELDS)
    timezone = fields.get("timezone")
    if not isinstance(timezone, str) or timezone not in iana_zones():
        raise RequestValidationError(
            "schedule.timezone",
            "schedule.timezone must be an IANA time zone name such as Europe/Berlin or UTC",
        )
    start, stop = _clock(fields.get("start"), "start"), _clock(fields.get("stop"), "stop")
    if start == stop:
        raise RequestValidationError("schedule.stop", "schedule.stop must differ from start")
    return WorkingHours(timezone, _days(fields.get("days")), start, stop)


def _days(value: object) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(day, str) and day in DAY_NAMES for day in value)
        or len(set(value)) != len(value)
    ):
        raise RequestValidationError(
            "schedule.days",
            "schedule.days must list one or more of mon, tue, wed, thu, fri, sat, sun, each once",
        )
    return tuple(day for day in DAY_NAMES if day in value)


def _clock(value: object, name: str) -> str:
    if not isinstance(value, str) or not CLOCK_PATTERN.fullmatch(value):
        raise RequestValidationError(
            f"schedule.{name}", f"schedule.{name} must be a time of day as HH:MM (00:00-23:59)"
        )
    return value


def _expiry(value: object, now: datetime) -> datetime | None:
    if value is None:
        return None
    message = (
        "expires_at must be an ISO 8601 UTC time (e.g. 2030-01-31T18:00:00Z) at least "
        "1 minute and at most 90 days ahead"
    )
    if not isinstance(value, str) or not UTC_INSTANT_PATTERN.fullmatch(value):
        raise RequestValidationError("expires_at", message)
    try:
        moment = as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError as exc:
        raise RequestValidationError("expires_at", message) from exc
    if not now + EXPIRY_MIN_AHEAD <= moment <= now + EXPIRY_MAX_AHEAD:
        raise RequestValidationError("expires_at", message)
    return moment
