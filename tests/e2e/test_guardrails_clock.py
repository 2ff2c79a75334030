"""Cost guardrails that follow the real clock: a working-hours schedule and an expiry.

Schedules are minutes of the day and expiry a UTC instant (README "Cost guardrails"), so
these tests wait for real minutes; they sit in a file of their own so that the suite's
workers run them beside the rest.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.guardrails_client import (
    automatic,
    created,
    listed,
    put_guardrails,
    wait_for,
)
from tests.stack_fixtures import LocalStack, UserClient

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow


@pytest.fixture
def user(local_stack: LocalStack) -> UserClient:
    return local_stack.user(f"guard-{uuid.uuid4().hex[:6]}")


def test_a_schedule_edge_stops_the_cluster_and_the_next_start_edge_starts_it(
    user: UserClient,
) -> None:
    name = created(user)
    now = datetime.now(UTC)
    # 20 to 80 s ahead: the PUT and the guard's first check land well before the edge.
    stop_at = (now + timedelta(seconds=80)).replace(second=0, microsecond=0)
    start_at = stop_at + timedelta(minutes=1)
    schedule = {
        "timezone": "UTC",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        # A window that crosses midnight, from `start` to `stop` the next day: today's
        # edges are the stop at stop_at (yesterday's window ends) and the start a minute later.
        "start": start_at.strftime("%H:%M"),
        "stop": stop_at.strftime("%H:%M"),
    }
    answer = put_guardrails(user, name, schedule=schedule)
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_action"] == {
        "kind": "stop",
        "at": stop_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reason": "schedule",
    }
    stop = wait_for("the schedule stop", lambda: automatic(user, name, "aks_stop"), 150)
    assert stop["status"] == "succeeded"
    assert stop["trigger_summary"] == "Stopped automatically: working hours"
    assert datetime.fromisoformat(stop["created_at"].replace("Z", "+00:00")) >= stop_at
    start = wait_for("the schedule start", lambda: automatic(user, name, "aks_start"), 120)
    assert start["status"] == "succeeded"
    assert start["trigger_summary"] == "Started automatically: working hours"
    assert datetime.fromisoformat(start["created_at"].replace("Z", "+00:00")) >= start_at
    assert listed(user, name)["power_state"] == "Running"  # type: ignore[index]


def test_an_expired_cluster_is_deleted(user: UserClient) -> None:
    name = created(user)
    expires = (datetime.now(UTC) + timedelta(seconds=65)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = put_guardrails(user, name, expires_at=expires)
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_action"]["kind"] == "delete"
    delete = wait_for("the expiry delete", lambda: automatic(user, name, "aks_delete"), 150)
    assert delete["status"] == "succeeded"
    assert delete["trigger_summary"] == "Deleted automatically: expired"
    wait_for("the cluster to leave the list", lambda: listed(user, name) is None, 30)
