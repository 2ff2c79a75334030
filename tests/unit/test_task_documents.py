"""The task document and recent-failure row follow the HTTP contract exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from provisioning.clusters.access_grants import access_not_granted
from provisioning.jobs.documents import iso_utc, recent_failure_row, task_document
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ClassifiedError,
    ErrorAction,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
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
    }


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
