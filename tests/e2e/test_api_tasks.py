"""/api/tasks/* and the recent-failures / history endpoints over HTTP, acting as two users."""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from local.processes import ChildProcess
from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import record_outcome
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ClassifiedError, ErrorCategory, ProvisionRequest, TaskStatus
from tests.stack_fixtures import LocalStack, UserClient

logger = logging.getLogger(__name__)


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def failed_task(local_stack: LocalStack) -> tuple[UserClient, str]:
    """A finished quota failure owned by 'owner'."""
    owner = local_stack.user("owner")
    task_id = owner.provision(_unique("quota-"))
    assert owner.wait(task_id)["status"] == "failed"
    return owner, task_id


@pytest.fixture
def repo(local_stack: LocalStack) -> Iterator[JobStateRepository]:
    """Direct access to the stack's JobState table (to plant rows of another age)."""
    conn = local_stack.env["AzureWebJobsStorage"]
    table = local_stack.env["JOBSTATE_TABLE_NAME"]
    yield JobStateRepository(
        table_client_from_connection_string(conn, table, timeout_seconds=5),
        table_client_from_connection_string(conn, claims_table_name(table), timeout_seconds=5),
    )


# ---------------------------------------------------------------- ownership


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("POST", "/cancel"), ("POST", "/dismiss"), ("POST", "/delete-cluster")],
)
def test_another_users_task_is_404_on_every_endpoint(
    local_stack: LocalStack, failed_task: tuple[UserClient, str], method: str, suffix: str
) -> None:
    owner, task_id = failed_task
    intruder = local_stack.user("intruder")
    response = intruder.request(method, f"/api/tasks/{task_id}{suffix}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert owner.task(task_id)["dismissed_at"] is None


@pytest.mark.parametrize("task_id", ["nope", "1" * 19 + "-zzzzzzzzzzzz", "%27%20or%20true"])
def test_unknown_or_malformed_task_ids_are_404(local_stack: LocalStack, task_id: str) -> None:
    user = local_stack.user("owner")
    assert user.get(f"/api/tasks/{task_id}").status_code == 404
    assert user.post(f"/api/tasks/{task_id}/cancel").status_code == 404


def test_task_document_has_the_contract_shape(failed_task: tuple[UserClient, str]) -> None:
    owner, task_id = failed_task
    document = owner.task(task_id)
    assert set(document) >= {
        "task_id",
        "type",
        "status",
        "created_at",
        "updated_at",
        "request",
        "progress",
        "error",
        "dismissed_at",
    }
    assert set(document["request"]) == {
        "subscription_id",
        "resource_group",
        "cluster_name",
        "region",
        "node_vm_size",
        "node_count",
        "kubernetes_version",
        "user_pool",
        "retry_of",
        "access",
    }
    assert set(document["progress"]) == {
        "step",
        "step_index",
        "total_steps",
        "cluster_state",
        "cluster_seen",
        "portal_url",
    }
    assert set(document["error"]) == {"code", "category", "message", "retryable", "actions"}
    assert document["created_at"].endswith("Z")


# ---------------------------------------------------------------- cancel


def test_cancel_is_idempotent_and_reports_the_finished_status(local_stack: LocalStack) -> None:
    user = local_stack.user("canceller")
    task_id = user.provision(_unique("slow-"))
    user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
    first = user.post(f"/api/tasks/{task_id}/cancel")
    assert first.status_code == 202
    assert first.json()["was_running"] is True
    user.wait(task_id)
    again = user.post(f"/api/tasks/{task_id}/cancel")
    assert again.status_code == 200
    assert again.json() == {"task_id": task_id, "status": "cancelled", "was_running": False}


def test_cancel_right_after_accept_never_leaves_an_unreported_cluster(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("early-canceller")
    task_id = user.provision(_unique("slow-"))
    response = user.post(f"/api/tasks/{task_id}/cancel")
    assert response.status_code == 202
    document = user.wait(task_id)
    assert document["status"] == "cancelled"
    if document["progress"]["cluster_seen"]:
        kinds = {a["kind"] for a in document["error"]["actions"]}
        assert {"portal", "delete_cluster"} <= kinds
    else:
        assert document["error"]["actions"] == []


def test_cancel_of_a_finished_failure_changes_nothing(
    failed_task: tuple[UserClient, str],
) -> None:
    owner, task_id = failed_task
    response = owner.post(f"/api/tasks/{task_id}/cancel")
    assert response.status_code == 200
    assert response.json() == {"task_id": task_id, "status": "failed", "was_running": False}
    assert owner.task(task_id)["status"] == "failed"


# ---------------------------------------------------------------- delete partial cluster


def test_delete_partial_cluster_after_cancel_resolves_the_failure(local_stack: LocalStack) -> None:
    user = local_stack.user("cleaner")
    task_id = user.provision(_unique("slow-"))
    user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
    user.post(f"/api/tasks/{task_id}/cancel")
    assert user.wait(task_id)["status"] == "cancelled"
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert [job["task_id"] for job in recent] == [task_id]
    response = user.post(f"/api/tasks/{task_id}/delete-cluster")
    assert response.status_code == 202
    delete_id = response.json()["task_id"]
    assert delete_id != task_id
    deleted = user.wait(delete_id)
    assert deleted["type"] == "aks_delete"
    assert deleted["status"] == "succeeded"
    assert user.get("/api/aks/recent-failed-provisions").json()["jobs"] == []
    history = user.get("/api/aks/provisions").json()["jobs"]
    assert [job["task_id"] for job in history][:2] == [delete_id, task_id]


def test_delete_cluster_is_409_when_no_cluster_was_created(
    failed_task: tuple[UserClient, str],
) -> None:
    owner, task_id = failed_task
    response = owner.post(f"/api/tasks/{task_id}/delete-cluster")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_deletable"


def test_delete_cluster_is_409_for_a_running_attempt(local_stack: LocalStack) -> None:
    user = local_stack.user("impatient")
    task_id = user.provision(_unique("slow-"))
    response = user.post(f"/api/tasks/{task_id}/delete-cluster")
    assert response.status_code == 409
    user.post(f"/api/tasks/{task_id}/cancel")
    user.wait(task_id)


# ---------------------------------------------------------------- dismiss and recent failures


def test_dismiss_hides_the_failure_on_every_device(local_stack: LocalStack) -> None:
    laptop = local_stack.user("dismisser")
    tablet = UserClient(local_stack.base_url, laptop.owner_id, "dismisser")
    task_id = laptop.provision(_unique("quota-"))
    laptop.wait(task_id)
    seen = tablet.get("/api/aks/recent-failed-provisions?hours=24&limit=1").json()["jobs"]
    assert [job["task_id"] for job in seen] == [task_id]
    response = laptop.post(f"/api/tasks/{task_id}/dismiss")
    assert response.status_code == 200
    assert response.json()["dismissed_at"] is not None
    assert tablet.get("/api/aks/recent-failed-provisions").json()["jobs"] == []
    assert laptop.post(f"/api/tasks/{task_id}/dismiss").status_code == 200


def test_recent_failures_are_newest_first_and_only_the_callers(local_stack: LocalStack) -> None:
    alice, bob = local_stack.user("rf-alice"), local_stack.user("rf-bob")
    older = alice.provision(_unique("quota-"))
    alice.wait(older)
    newer = alice.provision(_unique("denied-"))
    alice.wait(newer)
    succeeded = alice.provision(_unique("ok-"))
    alice.wait(succeeded)
    bobs = bob.provision(_unique("quota-"))
    bob.wait(bobs)
    body = alice.get("/api/aks/recent-failed-provisions").json()
    assert [job["task_id"] for job in body["jobs"]] == [newer, older]
    assert set(body["jobs"][0]) == {
        "task_id",
        "status",
        "created_at",
        "updated_at",
        "request",
        "progress",
        "error",
    }
    assert body["degraded"] is False
    capped = alice.get("/api/aks/recent-failed-provisions?hours=24&limit=1").json()
    assert [job["task_id"] for job in capped["jobs"]] == [newer]
    assert [
        job["task_id"] for job in bob.get("/api/aks/recent-failed-provisions").json()["jobs"]
    ] == [bobs]


@pytest.mark.parametrize(
    ("query", "hours", "limit"),
    [
        ("", 24, 10),
        ("?hours=0&limit=0", 1, 1),
        ("?hours=9999&limit=500", 168, 20),
        ("?hours=-5&limit=-1", 1, 1),
        ("?hours=48&limit=5", 48, 5),
    ],
)
def test_recent_failure_bounds_are_clamped_and_echoed(
    local_stack: LocalStack, query: str, hours: int, limit: int
) -> None:
    body = local_stack.user("bounds").get(f"/api/aks/recent-failed-provisions{query}").json()
    assert (body["hours"], body["limit"]) == (hours, limit)


@pytest.mark.parametrize(
    ("query", "field"), [("?hours=abc", "hours"), ("?limit=1.5", "limit"), ("?hours=", None)]
)
def test_non_integer_bounds_are_400_naming_the_field(
    local_stack: LocalStack, query: str, field: str | None
) -> None:
    response = local_stack.user("bounds").get(f"/api/aks/recent-failed-provisions{query}")
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def _planted_failure(owner_id: str, created: datetime, status: TaskStatus, seen: bool) -> JobState:
    request = ProvisionRequest(
        "00000000-0000-0000-0000-000000000000",
        "rg-old",
        _unique("old-"),
        "eastus",
        "Standard_D2s_v5",
        1,
        None,
    )
    job = JobState.new(owner_id, new_task_id(created, uuid.uuid4().hex[:12]), request, now=created)
    error = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "planted", False)
    moved = record_outcome(job, status, error, now=created, cluster_seen=seen)
    assert moved is not None
    return moved


def test_window_type_and_status_filter_over_planted_rows(
    local_stack: LocalStack, repo: JobStateRepository
) -> None:
    user = local_stack.user("window")
    now = datetime.now(UTC)
    inside = _planted_failure(user.owner_id, now - timedelta(hours=30), TaskStatus.FAILED, False)
    outside = _planted_failure(user.owner_id, now - timedelta(hours=200), TaskStatus.FAILED, False)
    cancelled_seen = _planted_failure(
        user.owner_id, now - timedelta(hours=2), TaskStatus.CANCELLED, True
    )
    cancelled_unseen = _planted_failure(
        user.owner_id, now - timedelta(hours=3), TaskStatus.CANCELLED, False
    )
    for job in (inside, outside, cancelled_seen, cancelled_unseen):
        repo.insert_new(job)
    day = user.get("/api/aks/recent-failed-provisions?hours=24").json()["jobs"]
    assert [job["task_id"] for job in day] == [cancelled_seen.task_id]
    week = user.get("/api/aks/recent-failed-provisions?hours=168").json()["jobs"]
    assert [job["task_id"] for job in week] == [cancelled_seen.task_id, inside.task_id]


def test_history_lists_every_attempt_newest_first(local_stack: LocalStack) -> None:
    user = local_stack.user("history")
    first = user.provision(_unique("quota-"))
    user.wait(first)
    second = user.provision(_unique("ok-"))
    user.wait(second)
    body = user.get("/api/aks/provisions?limit=20").json()
    assert [job["task_id"] for job in body["jobs"]] == [second, first]
    assert [job["status"] for job in body["jobs"]] == ["succeeded", "failed"]
    assert user.get("/api/aks/provisions?limit=abc").status_code == 400


# ---------------------------------------------------------------- storage faults


def test_recent_failures_degrade_while_table_storage_hangs(
    local_stack: LocalStack, azurite_process: ChildProcess
) -> None:
    user = local_stack.user("degraded")
    task_id = user.provision(_unique("quota-"))
    user.wait(task_id)
    os.kill(azurite_process.proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = user.get("/api/aks/recent-failed-provisions")
        elapsed = time.monotonic() - started
        task_response = user.get(f"/api/tasks/{task_id}")
    finally:
        os.kill(azurite_process.proc.pid, signal.SIGCONT)
    logger.warning("degraded recent-failures answered in %.2f s while Azurite hung", elapsed)
    print(f"\ndegraded answer time while Azurite hung: {elapsed:.2f} s")
    assert response.status_code == 200
    assert response.json()["degraded"] is True
    assert response.json()["jobs"] == []
    assert task_response.status_code == 503
    assert task_response.json()["error"]["code"] == "storage_unavailable"
    recovered = user.get("/api/aks/recent-failed-provisions").json()
    assert recovered["degraded"] is False
    assert [job["task_id"] for job in recovered["jobs"]] == [task_id]
