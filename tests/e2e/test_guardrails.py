"""Cost guardrails over HTTP through the real stack, with one-second guardrail minutes.

The session's host runs with GUARDRAIL_MINUTE_SECONDS=1 and GUARDRAIL_CHECK_SECONDS=1, so a
15-minute idle rule fires after about 15 seconds. Schedules and expiry use the real clock:
their tests are in test_guardrails_clock.py, so they wait beside these.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.guardrails_client import (
    GROUP,
    automatic,
    created,
    extend,
    listed,
    put_guardrails,
    tasks_of,
    wait_for,
)
from tests.stack_fixtures import LocalStack, UserClient

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow


@pytest.fixture
def user(local_stack: LocalStack) -> UserClient:
    return local_stack.user(f"guard-{uuid.uuid4().hex[:6]}")


def test_an_idle_cluster_stops_by_itself(user: UserClient) -> None:
    name = created(user)
    answer = put_guardrails(user, name, idle_stop_minutes=15)
    assert answer.status_code == 200, answer.text
    assert answer.json()["idle_stop_minutes"] == 15
    assert answer.json()["next_action"]["kind"] == "stop"
    assert answer.json()["next_action"]["reason"] == "idle"

    shown = listed(user, name)
    assert shown is not None and shown["guardrails"]["idle_stop_minutes"] == 15
    assert shown["cost"]["currency"] == "USD" and shown["cost"]["per_hour"] > 0

    stop = wait_for("the idle stop", lambda: automatic(user, name, "aks_stop"), 90)
    assert stop["status"] == "succeeded" and stop["trigger"] == "idle"
    assert stop["trigger_summary"] == "Stopped automatically: idle for 15 minutes"
    after = listed(user, name)
    assert after is not None and after["power_state"] == "Stopped"
    assert after["cost"]["per_hour"] == 0
    assert after["guardrails"]["next_action"] is None  # a stopped cluster has no idle stop


def test_a_busy_cluster_keeps_running(user: UserClient) -> None:
    name = created(user, "busy-")
    assert put_guardrails(user, name, idle_stop_minutes=15).status_code == 200
    time.sleep(25)  # well past the 15-second window and many checks
    assert listed(user, name)["power_state"] == "Running"  # type: ignore[index]
    assert [job for job in tasks_of(user, name) if job["type"] == "aks_stop"] == []


def test_extend_postpones_the_stop(user: UserClient) -> None:
    name = created(user)
    assert put_guardrails(user, name, idle_stop_minutes=15).status_code == 200
    extended = extend(user, name, 30)
    assert extended.status_code == 200, extended.text
    until = datetime.fromisoformat(extended.json()["extended_until"].replace("Z", "+00:00"))
    assert until >= datetime.now(UTC) + timedelta(seconds=25)
    at = datetime.fromisoformat(extended.json()["next_action"]["at"].replace("Z", "+00:00"))
    assert at >= until - timedelta(seconds=1)

    time.sleep(20)  # past the 15-second window: still running, the extension holds
    assert automatic(user, name, "aks_stop") is None
    assert listed(user, name)["power_state"] == "Running"  # type: ignore[index]
    stop = wait_for("the stop after the extension", lambda: automatic(user, name, "aks_stop"), 90)
    assert stop["status"] == "succeeded"
    stopped_at = datetime.fromisoformat(stop["created_at"].replace("Z", "+00:00"))
    assert stopped_at >= until


def test_nothing_to_extend_without_a_coming_stop(user: UserClient) -> None:
    name = created(user)
    expiry = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert put_guardrails(user, name, expires_at=expiry).status_code == 200
    refused = extend(user, name, 60)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "nothing_to_extend"


def test_bad_guardrails_name_the_field_and_others_clusters_are_not_found(
    user: UserClient, local_stack: LocalStack
) -> None:
    name = created(user)
    bad = put_guardrails(
        user,
        name,
        schedule={"timezone": "Nowhere/Land", "days": ["mon"], "start": "08:00", "stop": "18:00"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "schedule.timezone"
    stranger = local_stack.user(f"stranger-{uuid.uuid4().hex[:6]}")
    assert put_guardrails(stranger, name, idle_stop_minutes=30).status_code == 404
    assert extend(stranger, name, 30).status_code == 404


def test_removing_the_guardrails_ends_them(user: UserClient) -> None:
    name = created(user)
    assert put_guardrails(user, name, idle_stop_minutes=60).status_code == 200
    removed = put_guardrails(user, name)
    assert removed.status_code == 200 and removed.json() is None
    assert listed(user, name)["guardrails"] is None  # type: ignore[index]


def test_a_users_stop_racing_a_guardrails_stop_leaves_exactly_one(user: UserClient) -> None:
    name = created(user)
    assert put_guardrails(user, name, idle_stop_minutes=15).status_code == 200
    time.sleep(13)  # the idle stop comes due at about 15 s: race it from here

    def user_stop(_: int) -> int:
        time.sleep(_ * 0.1)
        return user.post(f"/api/aks/clusters/{GROUP}/{name}/stop").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(user_stop, range(60)))
    assert set(codes) <= {202, 409}
    wait_for(
        "the stop to finish",
        lambda: all(job["status"] not in ("queued", "running") for job in tasks_of(user, name)),
        60,
    )
    stops = [job for job in tasks_of(user, name) if job["type"] == "aks_stop"]
    assert len(stops) == 1, stops  # the user's or the guardrail's, never both
    assert codes.count(202) == (1 if stops[0]["trigger"] == "user" else 0)
    assert listed(user, name)["power_state"] == "Stopped"  # type: ignore[index]


def test_a_killed_host_resumes_the_guard(user: UserClient, local_stack: LocalStack) -> None:
    name = created(user)
    assert put_guardrails(user, name, idle_stop_minutes=20).status_code == 200
    time.sleep(3)  # the guard is asleep on its durable timer
    local_stack.restart(kill=True)
    stop = wait_for(
        "the idle stop after the restart", lambda: automatic(user, name, "aks_stop"), 120
    )
    assert stop["status"] == "succeeded" and stop["trigger"] == "idle"
