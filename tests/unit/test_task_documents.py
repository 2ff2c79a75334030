"""The task document and recent-failure row follow the HTTP contract exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from provisioning.clusters.access_grants import access_not_granted
from provisioning.jobs.documents import iso_utc, recent_failure_row, task_document
from provisioning.jobs.entity import job_from_entity, job_to_entity
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ClassifiedError,
    ErrorAction,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
    Trigger,
)

NOW = datetime(2025, 3, 14, 12, 30, 45, 123456, tzinfo=UTC)
REQUEST = ProvisionRequest("sub", "rg", "demo", "eastus", "Standard_D2s_v3", 3, None)
TASK_ID = new_task_id(NOW, "e" * 32)


def failed_job() -> JobState:
    job = JobState.new("owner", TASK_ID, REQUEST, now=NOW, total_steps=4)
    return replace(
        job,
        status=TaskStatus.FAILED,
        step="queued",
        cluster_seen=True,
        error=ClassifiedError(
            "SkuNotAvailable",
            ErrorCategory.SKU,
            "not available",
            retryable=False,
            actions=(ErrorAction("edit", "Choose another VM size"),),
        ),
    )


def test_task_document_has_the_contract_shape() -> None:
    document = task_document(failed_job())
    assert document == {
        "task_id": TASK_ID,
        "type": "aks_provision",
        "status": "failed",
        "created_at": "2025-03-14T12:30:45.123Z",
        "updated_at": "2025-03-14T12:30:45.123Z",
        "request": {
            "subscription_id": "sub",
            "resource_group": "rg",
            "cluster_name": "demo",
            "region": "eastus",
            "node_vm_size": "Standard_D2s_v3",
            "node_count": 3,
            "kubernetes_version": None,
            "user_pool": None,
            "access": "entra",
            "retry_of": None,
        },
        "progress": {
            "step": "queued",
            "step_index": 0,
            "total_steps": 4,
            "cluster_state": None,
            "cluster_seen": True,
            "portal_url": None,
        },
        "error": {
            "code": "SkuNotAvailable",
            "category": "sku",
            "message": "not available",
            "retryable": False,
            "actions": [{"kind": "edit", "label": "Choose another VM size", "url": None}],
        },
        "warning": None,
        "dismissed_at": None,
        "trigger": "user",
        "trigger_summary": None,
    }


@pytest.mark.parametrize(
    ("task_type", "trigger", "minutes", "summary"),
    [
        (TaskType.AKS_STOP, Trigger.IDLE, 60, "Stopped automatically: idle for 1 hour"),
        (TaskType.AKS_STOP, Trigger.IDLE, 15, "Stopped automatically: idle for 15 minutes"),
        (TaskType.AKS_STOP, Trigger.IDLE, 240, "Stopped automatically: idle for 4 hours"),
        (TaskType.AKS_STOP, Trigger.SCHEDULE, None, "Stopped automatically: working hours"),
        (TaskType.AKS_START, Trigger.SCHEDULE, None, "Started automatically: working hours"),
        (TaskType.AKS_DELETE, Trigger.EXPIRY, None, "Deleted automatically: expired"),
        (TaskType.AKS_STOP, Trigger.USER, None, None),
    ],
)
def test_an_automatic_operation_says_which_guardrail_ran_it(
    task_type: TaskType, trigger: Trigger, minutes: int | None, summary: str | None
) -> None:
    job = JobState.new(
        "owner",
        TASK_ID,
        REQUEST,
        now=NOW,
        task_type=task_type,
        trigger=trigger,
        trigger_minutes=minutes,
    )
    document = task_document(job)
    assert (document["trigger"], document["trigger_summary"]) == (str(trigger), summary)


def test_a_guardrail_trigger_survives_the_table_row() -> None:
    job = JobState.new(
        "owner",
        TASK_ID,
        REQUEST,
        now=NOW,
        task_type=TaskType.AKS_STOP,
        trigger=Trigger.IDLE,
        trigger_minutes=30,
    )
    again = job_from_entity(job_to_entity(job))
    assert (again.trigger, again.trigger_minutes) == (Trigger.IDLE, 30)


def test_a_success_that_could_not_grant_access_shows_the_warning_not_an_error() -> None:
    cluster = "/subscriptions/sub/resourceGroups/rg/providers/x/managedClusters/demo"
    warning = access_not_granted(cluster, "5f0c2b1e-9d4a-4c3e-8b7a-1e2d3c4b5a69", "refused")
    job = replace(failed_job(), status=TaskStatus.SUCCEEDED, error=None, warning=warning)

    document = task_document(job)

    assert document["error"] is None
    assert document["warning"]["code"] == "AccessNotGranted"
    (action,) = document["warning"]["actions"]
    assert action["kind"] == "grant_access"
    assert len(action["commands"]) == 2
    assert "warning" not in recent_failure_row(job)


def test_task_without_error_has_null_error() -> None:
    job = JobState.new("owner", TASK_ID, REQUEST, now=NOW)
    assert task_document(job)["error"] is None


def test_delete_task_names_its_target() -> None:
    job = JobState.new(
        "owner", TASK_ID, REQUEST, now=NOW, task_type=TaskType.AKS_DELETE, target_task_id="t1"
    )
    document = task_document(job)
    assert document["type"] == "aks_delete" and document["target_task_id"] == "t1"


def test_recent_failure_row_is_the_document_core() -> None:
    job = replace(failed_job(), dismissed_at=NOW)
    row = recent_failure_row(job)
    assert list(row) == [
        "task_id",
        "status",
        "created_at",
        "updated_at",
        "request",
        "progress",
        "error",
    ]
    assert row["error"]["code"] == "SkuNotAvailable"


def test_times_are_utc_with_z() -> None:
    naive = datetime(2025, 1, 2, 3, 4, 5)
    assert iso_utc(naive) == "2025-01-02T03:04:05.000Z"
    assert iso_utc(None) is None
