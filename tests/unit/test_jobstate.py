"""The JobState value: a new attempt, and which attempts count as failures to report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from provisioning.jobs.state import QUEUED_STEP, JobState, cluster_key
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
REQUEST = ProvisionRequest(
    subscription_id="sub-1",
    resource_group="rg-one",
    cluster_name="demo",
    region="eastus",
    node_vm_size="Standard_D2s_v3",
    node_count=2,
    kubernetes_version="1.30.3",
)
QUOTA_ERROR = ClassifiedError(
    code="QuotaExceeded",
    category=ErrorCategory.QUOTA,
    message="Operation could not be completed as it results in exceeding approved quota.",
    retryable=False,
    actions=(ErrorAction("link", "Request quota increase", "https://aka.ms/quotas"),),
)


def make_job(status: TaskStatus = TaskStatus.QUEUED, **changes: object) -> JobState:
    """A provision attempt of REQUEST created at NOW, then changed as given."""
    job = JobState.new("owner-1", new_task_id(NOW, "a" * 32), REQUEST, now=NOW, total_steps=4)
    return replace(job, status=status, **changes)  # type: ignore[arg-type]


def test_new_attempt_is_queued_at_step_zero_of_its_step_table() -> None:
    job = JobState.new("owner-1", new_task_id(NOW, "a" * 32), REQUEST, now=NOW, total_steps=4)
    assert job.status == TaskStatus.QUEUED and job.type == TaskType.AKS_PROVISION
    assert (job.step, job.step_index, job.total_steps) == (QUEUED_STEP, 0, 4) == ("Queued", 0, 4)
    assert job.created_at == job.updated_at == NOW


def test_cluster_key_ignores_the_case_of_azure_names() -> None:
    assert make_job().cluster_key == cluster_key("RG-One", "DEMO")
    assert cluster_key("rg-one", "demo") != cluster_key("rg-one", "demo2")


def test_dismissed_or_resolved_failures_are_resolved() -> None:
    assert not make_job(TaskStatus.FAILED).is_resolved
    assert make_job(TaskStatus.FAILED, dismissed_at=NOW).is_resolved
    assert make_job(TaskStatus.FAILED, resolved_by="cluster-gone").is_resolved


def test_reportable_failures_are_failed_or_cancelled_with_a_cluster() -> None:
    assert make_job(TaskStatus.FAILED).is_reportable_failure
    assert make_job(TaskStatus.CANCELLED, cluster_seen=True).is_reportable_failure
    assert not make_job(TaskStatus.CANCELLED).is_reportable_failure
    assert not make_job(TaskStatus.SUCCEEDED).is_reportable_failure
    assert not make_job(TaskStatus.FAILED, type=TaskType.AKS_DELETE).is_reportable_failure


def test_importing_the_adapters_loads_no_azure_sdk() -> None:
    """Cold start budget: SDKs load on first use, not when the function app imports us."""
    import subprocess
    import sys

    code = (
        "import sys, provisioning.jobs.state, provisioning.jobs.repository, "
        "provisioning.jobs.recent_failures, provisioning.jobs.documents, provisioning.clients, "
        "provisioning.clusters.arm_calls, provisioning.jobs.task_ids, provisioning.jobs.entity, "
        "provisioning.jobs.rules, provisioning.jobs.tables, provisioning.jobs.rows, "
        "provisioning.jobs.claims, provisioning.utc\n"
        "print(sorted(m for m in sys.modules if m.startswith('azure')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
