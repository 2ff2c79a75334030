"""The JobState entity: its property names, and a tolerant mapping to and from JobState."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from provisioning.clusters.access_grants import access_not_granted
from provisioning.jobs.entity import JobStateProperty, job_from_entity, job_to_entity
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import AccessMode, ErrorCategory, TaskStatus, TaskType
from tests.unit.test_jobstate import NOW, QUOTA_ERROR, make_job

PROJECT = Path(__file__).resolve().parents[2]
# docs/architecture.md's table plus the keys, the request fields and the two stored extras.
DESIGN_PROPERTIES = {
    "PartitionKey",
    "RowKey",
    "Type",
    "Trigger",
    "RetryOf",
    "Status",
    "CreatedAt",
    "UpdatedAt",
    "SubscriptionId",
    "ResourceGroup",
    "ClusterName",
    "Region",
    "NodeVmSize",
    "NodeCount",
    "KubernetesVersion",
    "Step",
    "StepIndex",
    "TotalSteps",
    "ClusterState",
    "ClusterSeen",
    "PortalUrl",
    "ErrorCode",
    "ErrorCategory",
    "ErrorMessage",
    "Retryable",
    "ErrorActions",
    "DismissedAt",
    "ResolvedBy",
    "TargetTaskId",
    "TriggerMinutes",
    # The request's optional User-mode workload pool (README `user_pool`).
    "UserPoolVmSize",
    "UserPoolNodeCount",
    # The request's access (DESIGN §4 `access`) and what a success left undone (its warning).
    "Access",
    "WarningCode",
    "WarningCategory",
    "WarningMessage",
    "WarningActions",
}


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
        "PartitionKey",
        "RowKey",
        "Type",
        "Status",
        "CreatedAt",
        "UpdatedAt",
        "SubscriptionId",
        "ResourceGroup",
        "ClusterName",
        "Region",
        "NodeVmSize",
        "NodeCount",
        "Access",
        "KubernetesVersion",
        "Step",
        "StepIndex",
        "TotalSteps",
        "ClusterSeen",
        "ErrorCode",
        "ErrorCategory",
        "ErrorMessage",
        "Retryable",
        "ErrorActions",
        "Trigger",
    }
    assert set(entity) == expected
    assert entity["Status"] == "failed" and entity["Type"] == "aks_provision"


def test_a_success_warning_and_the_access_round_trip() -> None:
    warning = access_not_granted("/subscriptions/s/x", "5f0c2b1e-9d4a-4c3e-8b7a-1e2d3c4b5a69", "no")
    job = replace(
        make_job(TaskStatus.SUCCEEDED, warning=warning),
        request=replace(make_job(TaskStatus.SUCCEEDED).request, access=AccessMode.LOCAL),
    )
    entity = job_to_entity(job)

    assert (entity["Access"], entity["WarningCode"]) == ("local", "AccessNotGranted")
    assert "ErrorCode" not in entity
    assert job_from_entity(entity) == job
    assert job_from_entity(entity).warning.actions[0].commands == warning.actions[0].commands


def test_a_row_written_before_access_existed_reads_as_local_accounts() -> None:
    entity = job_to_entity(make_job(TaskStatus.SUCCEEDED))
    del entity["Access"]
    assert job_from_entity(entity).request.access is AccessMode.LOCAL


def test_entity_missing_properties_reads_with_defaults() -> None:
    task_id = new_task_id(NOW, "c" * 32)
    job = job_from_entity({"PartitionKey": "owner", "RowKey": task_id, "Status": "running"})
    assert job.status == TaskStatus.RUNNING
    assert job.type == TaskType.AKS_PROVISION
    assert job.created_at == NOW
    assert job.request.cluster_name == "" and job.request.node_count == 0
    assert job.error is None and job.cluster_seen is False


def test_property_names_are_the_design_names() -> None:
    assert {str(name) for name in JobStateProperty} == DESIGN_PROPERTIES


def test_entity_keys_are_plain_strings() -> None:
    entity = job_to_entity(make_job(TaskStatus.FAILED, error=QUOTA_ERROR))
    assert {type(name) for name in entity} == {str}


# The Guardrails table's own property names (some shared with JobState's) live in one enum too.
OWN_TABLE_MODULES = {"provisioning/jobs/entity.py", "provisioning/guardrails/repository.py"}


def test_only_the_entity_module_spells_property_names() -> None:
    """Query filters and entities name properties through JobStateProperty, never literals."""
    names = "|".join(sorted(DESIGN_PROPERTIES - {"PartitionKey", "RowKey"}))
    spelled = re.compile(f"[\"']({names})[\"']|\\b({names}) (eq|ne|gt|ge|lt|le)\\b")
    offenders = [
        f"{path.relative_to(PROJECT)}: {match.group(0)}"
        for folder in ("provisioning", "api", "activities", "orchestrators")
        for path in sorted((PROJECT / folder).rglob("*.py"))
        if path.relative_to(PROJECT).as_posix() not in OWN_TABLE_MODULES
        for match in spelled.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_naive_stored_times_read_as_utc() -> None:
    job = make_job(TaskStatus.FAILED, dismissed_at=NOW)
    entity = job_to_entity(job)
    for name in ("CreatedAt", "UpdatedAt", "DismissedAt"):
        entity[name] = entity[name].replace(tzinfo=None)
    assert job_from_entity(entity) == job


def test_stored_times_in_another_zone_read_as_the_same_instant() -> None:
    job = make_job()
    entity = job_to_entity(job)
    entity["CreatedAt"] = NOW.astimezone(timezone(timedelta(hours=2)))
    restored = job_from_entity(entity)
    assert restored.created_at == NOW and restored.created_at.tzinfo == UTC


def test_unknown_enum_values_read_as_defaults() -> None:
    entity = job_to_entity(make_job(TaskStatus.FAILED, error=QUOTA_ERROR))
    entity.update(Type="aks_teleport", Status="exploded", ErrorCategory="cosmic")
    job = job_from_entity(entity)
    assert (job.type, job.status) == (TaskType.AKS_PROVISION, TaskStatus.QUEUED)
    assert job.error is not None and job.error.category == ErrorCategory.UNKNOWN


@pytest.mark.parametrize("raw", ["not json", '[{"label": "no kind"}]', "42"])
def test_corrupt_error_actions_lose_the_actions_not_the_row(raw: str) -> None:
    entity = job_to_entity(make_job(TaskStatus.FAILED, error=QUOTA_ERROR))
    entity["ErrorActions"] = raw
    job = job_from_entity(entity)
    assert job.error == replace(QUOTA_ERROR, actions=())


def test_row_without_created_at_or_valid_task_id_still_reads() -> None:
    job = job_from_entity({"PartitionKey": "owner", "RowKey": "legacy-row"})
    assert job.created_at == datetime(1, 1, 1, tzinfo=UTC) and job.updated_at == job.created_at


def test_long_error_messages_are_capped_on_write() -> None:
    long_error = replace(QUOTA_ERROR, message="x" * 10_000)
    entity = job_to_entity(make_job(TaskStatus.FAILED, error=long_error))
    assert len(entity["ErrorMessage"].encode("utf-8")) <= 4096


def test_absent_optional_values_are_not_written() -> None:
    entity = job_to_entity(make_job(task_id=new_task_id(NOW, "f" * 32)))
    assert not {"ErrorCode", "DismissedAt", "ResolvedBy", "TargetTaskId"} & set(entity)
