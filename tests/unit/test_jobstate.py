"""Task ids, entity mapping and status rules of a JobState row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisioning.arm_errors import MAX_ERROR_MESSAGE_BYTES
from provisioning.jobstate import JobState
from provisioning.jobstate_entity import job_from_entity, job_to_entity
from provisioning.jobstate_rules import (
    dismiss,
    mark_running,
    record_outcome,
    record_progress,
    resolve,
    transition,
)
from provisioning.models import (
    ClassifiedError,
    ErrorAction,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)
from provisioning.task_ids import (
    created_at_from_task_id,
    is_task_id,
    new_task_id,
    rowkey_lower_bound,
    rowkey_upper_bound,
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
    job = JobState.new("owner-1", new_task_id(NOW, "a" * 32), REQUEST, now=NOW, total_steps=4)
    fields = {"status": status, **changes}
    from dataclasses import replace

    return replace(job, **fields)  # type: ignore[arg-type]


def test_task_ids_sort_newest_first() -> None:
    older = new_task_id(NOW, "0" * 32)
    newer = new_task_id(NOW + timedelta(microseconds=1), "f" * 32)
    assert newer < older


def test_task_id_has_inverted_ticks_and_twelve_hex_suffix() -> None:
    task_id = new_task_id(datetime(1, 1, 1, tzinfo=UTC), "ABCDEF0123456789abcdef")
    assert task_id == "3155378975999999999-abcdef012345"
    assert is_task_id(task_id)


def test_task_id_round_trips_its_creation_time() -> None:
    assert created_at_from_task_id(new_task_id(NOW, "1" * 32)) == NOW


def test_task_id_needs_enough_hex() -> None:
    with pytest.raises(ValueError):
        new_task_id(NOW, "xyz")


@pytest.mark.parametrize(
    "value", ["", "abc", "3155378975999999999-ABCDEF012345", "315537897599999999-abcdef012345",
              "3155378975999999999-abcdef01234/", "x155378975999999999-abcdef012345"],
)
def test_strings_that_are_not_task_ids_are_rejected(value: str) -> None:
    assert not is_task_id(value)


def test_window_bounds_include_both_ends_and_exclude_outside() -> None:
    oldest = NOW - timedelta(hours=24)
    lo, hi = rowkey_lower_bound(NOW), rowkey_upper_bound(oldest)

    def inside(moment: datetime) -> bool:
        return lo <= new_task_id(moment, "b" * 32) < hi

    assert inside(NOW)
    assert inside(oldest)
    assert inside(NOW - timedelta(hours=3))
    assert not inside(NOW + timedelta(microseconds=1))
    assert not inside(oldest - timedelta(microseconds=1))


def test_entity_round_trip_keeps_every_field() -> None:
    job = make_job(
        TaskStatus.FAILED,
        step="create",
        step_index=2,
        cluster_state="Failed",
        cluster_seen=True,
        portal_url="https://portal.azure.com/#@/resource/x/overview",
        error=QUOTA_ERROR,
        dismissed_at=NOW,
        resolved_by="later",
        target_task_id="target",
    )
    assert job_from_entity(job_to_entity(job)) == job


def test_entity_uses_design_property_names() -> None:
    entity = job_to_entity(make_job(TaskStatus.FAILED, error=QUOTA_ERROR))
    expected = {
        "PartitionKey", "RowKey", "Type", "Status", "CreatedAt", "UpdatedAt", "SubscriptionId",
        "ResourceGroup", "ClusterName", "Region", "NodeVmSize", "NodeCount", "KubernetesVersion",
        "Step", "StepIndex", "TotalSteps", "ClusterSeen", "ErrorCode", "ErrorCategory",
        "ErrorMessage", "Retryable", "ErrorActions",
    }
    assert set(entity) == expected
    assert entity["Status"] == "failed" and entity["Type"] == "aks_provision"


def test_entity_missing_properties_reads_with_defaults() -> None:
    task_id = new_task_id(NOW, "c" * 32)
    job = job_from_entity({"PartitionKey": "owner", "RowKey": task_id, "Status": "running"})
    assert job.status == TaskStatus.RUNNING
    assert job.type == TaskType.AKS_PROVISION
    assert job.created_at == NOW
    assert job.request.cluster_name == "" and job.request.node_count == 0
    assert job.error is None and job.cluster_seen is False


def test_queued_job_is_marked_running() -> None:
    running = mark_running(make_job(), now=NOW + timedelta(seconds=1), step="create")
    assert running is not None
    assert running.status == TaskStatus.RUNNING and running.step == "create"
    assert running.updated_at == NOW + timedelta(seconds=1)


@pytest.mark.parametrize(
    "status", [TaskStatus.RUNNING, TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED]
)
def test_mark_running_is_a_no_op_unless_queued(status: TaskStatus) -> None:
    assert mark_running(make_job(status), now=NOW) is None


TERMINALS = [TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED]


@pytest.mark.parametrize("terminal", TERMINALS)
@pytest.mark.parametrize("new", list(TaskStatus))
def test_terminal_status_never_changes(terminal: TaskStatus, new: TaskStatus) -> None:
    assert transition(make_job(terminal), new, now=NOW) is None


def test_running_never_goes_back_to_queued() -> None:
    assert transition(make_job(TaskStatus.RUNNING), TaskStatus.QUEUED, now=NOW) is None


def test_progress_keeps_cluster_seen_once_true_and_fills_only_given_fields() -> None:
    job = make_job(TaskStatus.RUNNING, cluster_seen=True, portal_url="https://p")
    moved = record_progress(job, now=NOW, step="poll", step_index=3, cluster_state="Creating")
    assert moved is not None
    assert moved.cluster_seen is True and moved.portal_url == "https://p"
    assert (moved.step, moved.step_index, moved.total_steps) == ("poll", 3, 4)
    assert moved.cluster_state == "Creating"


def test_late_progress_after_cancel_is_a_no_op() -> None:
    assert record_progress(make_job(TaskStatus.CANCELLED), now=NOW, step="poll") is None


def test_outcome_records_error_and_cluster_details() -> None:
    done = record_outcome(
        make_job(TaskStatus.RUNNING),
        TaskStatus.CANCELLED,
        None,
        now=NOW,
        cluster_seen=True,
        portal_url="https://portal",
    )
    assert done is not None
    assert done.status == TaskStatus.CANCELLED and done.cluster_seen and done.error is None
    assert done.portal_url == "https://portal"


def test_first_outcome_wins() -> None:
    failed = record_outcome(make_job(TaskStatus.RUNNING), TaskStatus.FAILED, QUOTA_ERROR, now=NOW)
    assert failed is not None
    assert record_outcome(failed, TaskStatus.SUCCEEDED, None, now=NOW) is None


def test_outcome_needs_a_terminal_status() -> None:
    with pytest.raises(ValueError):
        record_outcome(make_job(), TaskStatus.RUNNING, None, now=NOW)


def test_outcome_caps_long_error_messages() -> None:
    long_error = ClassifiedError("X", ErrorCategory.UNKNOWN, "é" * 5000, retryable=False)
    done = record_outcome(make_job(), TaskStatus.FAILED, long_error, now=NOW)
    assert done is not None and done.error is not None
    assert len(done.error.message.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES


def test_dismiss_and_resolve_are_first_write_wins() -> None:
    failed = make_job(TaskStatus.FAILED, error=QUOTA_ERROR)
    dismissed = dismiss(failed, now=NOW)
    assert dismissed is not None and dismissed.is_resolved
    assert dismiss(dismissed, now=NOW + timedelta(hours=1)) is None
    resolved = resolve(failed, "later-task", now=NOW)
    assert resolved is not None and resolved.resolved_by == "later-task" and resolved.is_resolved
    assert resolve(resolved, "another", now=NOW) is None


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
        "import sys, provisioning.jobstate, provisioning.jobstate_repository, "
        "provisioning.recent_failures, provisioning.task_documents, provisioning.clients, "
        "provisioning.clusters, provisioning.task_ids, provisioning.jobstate_entity, "
        "provisioning.jobstate_rules, provisioning.table_clients, provisioning.table_rows, "
        "provisioning.claims_repository, provisioning.utc\n"
        "print(sorted(m for m in sys.modules if m.startswith('azure')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
