"""The guardrails PUT and extend bodies: every bad field is named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisioning.guardrails.model import Guardrails, WorkingHours
from provisioning.guardrails.validation import validate_extension, validate_guardrails
from provisioning.requests.validation import RequestValidationError

NOW = datetime(2026, 1, 12, 12, 0, tzinfo=UTC)
OFFICE = {"timezone": "Europe/Berlin", "days": ["mon", "fri"], "start": "08:00", "stop": "19:00"}


def test_a_full_body_becomes_guardrails() -> None:
    body = {"idle_stop_minutes": 60, "schedule": OFFICE, "expires_at": "2026-01-20T10:00:00Z"}
    assert validate_guardrails(body, now=NOW) == Guardrails(
        60,
        WorkingHours("Europe/Berlin", ("mon", "fri"), "08:00", "19:00"),
        datetime(2026, 1, 20, 10, 0, tzinfo=UTC),
    )


def test_all_three_null_means_remove() -> None:
    body = {"idle_stop_minutes": None, "schedule": None, "expires_at": None}
    assert validate_guardrails(body, now=NOW).is_empty


def test_days_come_back_in_week_order() -> None:
    schedule = {**OFFICE, "days": ["sun", "mon"]}
    rules = validate_guardrails({"schedule": schedule}, now=NOW)
    assert rules.schedule is not None and rules.schedule.days == ("mon", "sun")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({"idle": 30}, "idle"),
        ({"idle_stop_minutes": 14}, "idle_stop_minutes"),
        ({"idle_stop_minutes": 1441}, "idle_stop_minutes"),
        ({"idle_stop_minutes": "30"}, "idle_stop_minutes"),
        ({"idle_stop_minutes": True}, "idle_stop_minutes"),
        ({"idle_stop_minutes": 30.5}, "idle_stop_minutes"),
        ({"schedule": "office"}, "schedule"),
        ({"schedule": {**OFFICE, "zone": "UTC"}}, "schedule.zone"),
        ({"schedule": {**OFFICE, "timezone": "Mars/Olympus"}}, "schedule.timezone"),
        ({"schedule": {**OFFICE, "timezone": "../../etc/passwd"}}, "schedule.timezone"),
        ({"schedule": {**OFFICE, "timezone": None}}, "schedule.timezone"),
        ({"schedule": {**OFFICE, "days": []}}, "schedule.days"),
        ({"schedule": {**OFFICE, "days": ["monday"]}}, "schedule.days"),
        ({"schedule": {**OFFICE, "days": ["mon", "mon"]}}, "schedule.days"),
        ({"schedule": {**OFFICE, "days": "mon"}}, "schedule.days"),
        ({"schedule": {**OFFICE, "start": "8:00"}}, "schedule.start"),
        ({"schedule": {**OFFICE, "start": "24:00"}}, "schedule.start"),
        ({"schedule": {**OFFICE, "stop": "19:60"}}, "schedule.stop"),
        ({"schedule": {**OFFICE, "stop": "08:00"}}, "schedule.stop"),
        ({"expires_at": "2026-01-12T12:00:30Z"}, "expires_at"),
        ({"expires_at": "2026-04-13T12:00:00Z"}, "expires_at"),
        ({"expires_at": "2026-01-20T10:00:00"}, "expires_at"),
        ({"expires_at": "2026-01-20T10:00:00+02:00"}, "expires_at"),
        ({"expires_at": "next week"}, "expires_at"),
        ({"expires_at": 1768000000}, "expires_at"),
    ],
)
def test_a_bad_field_is_named(body: object, field: str) -> None:
    with pytest.raises(RequestValidationError) as raised:
        validate_guardrails(body, now=NOW)
    assert raised.value.field == field


def test_expiry_accepts_one_minute_and_ninety_days_ahead() -> None:
    soon = validate_guardrails({"expires_at": "2026-01-12T12:01:00Z"}, now=NOW)
    far = validate_guardrails({"expires_at": "2026-04-12T12:00:00+00:00"}, now=NOW)
    assert soon.expires_at is not None and far.expires_at is not None


@pytest.mark.parametrize("minutes", [30, 480])
def test_extension_minutes_within_bounds(minutes: int) -> None:
    assert validate_extension({"minutes": minutes}) == minutes


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 29}, "minutes"),
        ({"minutes": 481}, "minutes"),
        ({}, "minutes"),
        ({"minutes": 60, "why": "x"}, "why"),
        ("60", "body"),
    ],
)
def test_a_bad_extension_is_named(body: object, field: str) -> None:
    with pytest.raises(RequestValidationError) as raised:
        validate_extension(body)
    assert raised.value.field == field
