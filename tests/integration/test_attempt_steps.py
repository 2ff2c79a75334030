"""Orchestration steps against the real ARM simulator and Azurite through the real SDKs."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.access.identity import hashed_owner
from provisioning.clusters.arm_calls import read_cluster
from provisioning.clusters.ownership import ExistingCluster, product_tags
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import record_outcome
from provisioning.jobs.state import JobState
from provisioning.models import ClassifiedError, ErrorCategory, TaskStatus
from provisioning.operations.attempts import (
    ClusterReader,
    OrchestrationTiming,
    accept_cluster_delete,
    accept_provision,
)
from provisioning.operations.cancellation import cancel_attempt
from provisioning.operations.messages import OperationOutcome
from tests import wire_steps
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID

NOW = datetime.now(UTC).replace(microsecond=0)
OWNER = "owner-steps"
RESOURCE_GROUP = "rg-attempt-steps"
TIMING = OrchestrationTiming(poll_seconds=1, deadline_minutes=5)
WAIT_LIMIT_SECONDS = 60
QUOTA = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "Not enough cores.", False)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def accepted_input(
    repo: JobStateRepository | None,
    cluster: str,
    *,
    resource_group: str = RESOURCE_GROUP,
    now: datetime = NOW,
) -> dict[str, Any]:
    """The orchestration input of a freshly accepted attempt (row queued when repo is given)."""
    return accept_provision(
        repo,
        OWNER,
        {
            "cluster_name": cluster,
            "resource_group": resource_group,
            "region": "eastus",
            "node_count": 1,
        },
        subscription_id=SIMULATOR_SUBSCRIPTION_ID,
        tenant_id="tenant-1",
        timing=TIMING,
        idempotency_key=None,
        now=now,
        unique=uuid.uuid4().hex,
    ).orchestration_input.to_dict()


def reader(client: ContainerServiceClient) -> ClusterReader:
    """The real ARM read the HTTP layer injects into accept_cluster_delete."""
    return lambda request: read_cluster(client, request.resource_group, request.cluster_name)


def stored(repo: JobStateRepository, attempt: dict[str, Any]) -> JobState:
    job = repo.get(attempt["owner_id"], attempt["task_id"])
    assert job is not None
    return job


def poll_until(
    repo: JobStateRepository | None,
    client: ContainerServiceClient,
    attempt: dict[str, Any],
    states: set[str | None],
) -> dict[str, Any]:
    """Run the poll step until the cluster reaches one of `states`; fails rather than hangs."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while True:
        polled = wire_steps.poll_cluster(repo, client, attempt, now=NOW)
        if polled["cluster_state"] in states:
            return polled
        assert time.monotonic() < deadline, f"cluster stuck in {polled['cluster_state']}"
        time.sleep(0.2)


def outcome(
    status: str,
    *,
    error: ClassifiedError | None = None,
    seen: bool = True,
    state: str | None = None,
) -> OperationOutcome:
    return OperationOutcome(TaskStatus(status), error, state, seen, status.capitalize())


# --- begin_attempt ---


def test_begin_writes_a_missing_row_and_marks_it_running(
    jobstate_repo: JobStateRepository,
) -> None:
    attempt = accepted_input(None, unique("demo-"))  # the accept-time insert never landed

    began = wire_steps.begin_attempt(jobstate_repo, attempt, now=NOW)

    assert began == {"proceed": True, "status": "running"}
    job = stored(jobstate_repo, attempt)
    assert job.status == TaskStatus.RUNNING
    assert (job.step, job.step_index) == ("Starting", 1)
    assert job.request.cluster_name == attempt["request"]["cluster_name"]
    assert job.created_at.isoformat() == attempt["created_at"]


def test_begin_is_idempotent(jobstate_repo: JobStateRepository) -> None:
    attempt = accepted_input(jobstate_repo, unique("demo-"))

    first = wire_steps.begin_attempt(jobstate_repo, attempt, now=NOW)
    again = wire_steps.begin_attempt(jobstate_repo, attempt, now=NOW + timedelta(seconds=5))

    assert first == again == {"proceed": True, "status": "running"}


def test_begin_stops_an_attempt_cancelled_while_queued(
    jobstate_repo: JobStateRepository,
) -> None:
    attempt = accepted_input(jobstate_repo, unique("demo-"))
    cancel_attempt(jobstate_repo, OWNER, attempt["task_id"], now=NOW)

    began = wire_steps.begin_attempt(jobstate_repo, attempt, now=NOW)

    assert began == {"proceed": False, "status": "cancelled"}
    assert stored(jobstate_repo, attempt).status == TaskStatus.CANCELLED


# --- submit_cluster_create ---


def test_accepted_create_records_that_the_cluster_exists(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("demo-"))
    wire_steps.begin_attempt(jobstate_repo, attempt, now=NOW)

    created = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    assert created["error"] is None
    assert created["cluster_state"] == "Creating"
    assert created["error"] is None
    assert created["operation_url"].startswith("https://")
    job = stored(jobstate_repo, attempt)
    assert job.cluster_seen is True
    assert job.cluster_state == "Creating"
    assert job.portal_url == attempt["portal_url"]
    assert (job.step, job.step_index) == ("Creating cluster", 3)


@pytest.mark.parametrize(
    ("prefix", "resource_group", "code", "category"),
    [
        ("quota-", RESOURCE_GROUP, "QuotaExceeded", "quota"),
        ("denied-", RESOURCE_GROUP, "AuthorizationFailed", "permission"),
        ("nosku-", RESOURCE_GROUP, "SkuNotAvailable", "sku"),
        ("demo-", "missing-rg", "ResourceGroupNotFound", "invalid_request"),
    ],
)
def test_rejected_create_is_classified_and_leaves_no_cluster_seen(
    jobstate_repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    prefix: str,
    resource_group: str,
    code: str,
    category: str,
) -> None:
    attempt = accepted_input(jobstate_repo, unique(prefix), resource_group=resource_group)
    wire_steps.begin_attempt(jobstate_repo, attempt, now=NOW)

    created = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    assert created["error"] is not None
    assert created["cluster_state"] is None
    assert created["error"]["code"] == code
    assert created["error"]["category"] == category
    assert created["error"]["actions"], "a rejected create always says what to do"
    job = stored(jobstate_repo, attempt)
    assert job.cluster_seen is False
    assert job.status == TaskStatus.RUNNING


def test_quota_rejection_links_the_quota_request(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("quota-"))

    created = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    links = [a for a in created["error"]["actions"] if a["kind"] == "link"]
    assert links and SIMULATOR_SUBSCRIPTION_ID in links[0]["url"]
    assert created["error"]["retryable"] is False


def test_rerunning_the_create_while_it_is_in_progress_counts_as_accepted(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("slow-"))
    first = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    again = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    assert first["error"] is None
    assert again["error"] is None
    assert again["cluster_state"] == "Creating"
    assert again["error"] is None


# --- poll_cluster ---


def test_async_failure_is_explained_by_the_operation_error(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("fail-"))
    created = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)
    attempt = {**attempt, "operation_url": created["operation_url"]}

    polled = poll_until(jobstate_repo, arm_client, attempt, {"Failed"})

    assert polled["gone"] is False
    assert polled["error"]["code"] == "VMExtensionProvisioningError"
    assert polled["error"]["retryable"] is True
    job = stored(jobstate_repo, attempt)
    assert (job.cluster_state, job.cluster_seen) == ("Failed", True)


def test_slow_cluster_keeps_creating(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("slow-"))
    created = wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)
    attempt = {**attempt, "operation_url": created["operation_url"]}

    polled = wire_steps.poll_cluster(jobstate_repo, arm_client, attempt, now=NOW)

    assert polled == {"cluster_state": "Creating", "gone": False, "error": None}
    assert stored(jobstate_repo, attempt).cluster_state == "Creating"


def test_default_cluster_succeeds(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("demo-"))
    wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    polled = poll_until(jobstate_repo, arm_client, attempt, {"Succeeded", "Failed"})

    assert polled == {"cluster_state": "Succeeded", "gone": False, "error": None}


def test_abort_cancels_a_slow_create(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("slow-"))
    wire_steps.submit_cluster_create(jobstate_repo, arm_client, attempt, now=NOW)

    aborted = wire_steps.abort_cluster_create(arm_client, attempt)

    assert aborted["aborted"] is True
    assert aborted["cluster_state"] in {"Canceling", "Canceled"}  # re-read after the abort
    polled = poll_until(None, arm_client, attempt, {"Canceled", "Failed", "Succeeded"})
    assert polled["cluster_state"] == "Canceled"


# --- submit_cluster_delete ---


def test_delete_of_an_absent_cluster_is_already_done(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    attempt = accepted_input(jobstate_repo, unique("never-created-"))

    started = wire_steps.submit_cluster_delete(jobstate_repo, arm_client, attempt, now=NOW)

    assert started == {"gone": True, "error": None}


# --- finish_attempt ---


def test_finish_never_overwrites_a_terminal_status(jobstate_repo: JobStateRepository) -> None:
    attempt = accepted_input(jobstate_repo, unique("demo-"))
    cancel_attempt(jobstate_repo, OWNER, attempt["task_id"], now=NOW)

    result = wire_steps.finish_attempt(
        jobstate_repo, attempt, outcome("succeeded", state="Succeeded"), now=NOW
    )

    assert result == {"status": "cancelled"}
    job = stored(jobstate_repo, attempt)
    assert job.status == TaskStatus.CANCELLED
    assert job.cluster_state is None


def test_finish_records_a_failure_with_its_error_and_is_idempotent(
    jobstate_repo: JobStateRepository,
) -> None:
    attempt = accepted_input(jobstate_repo, unique("quota-"))
    failed = outcome("failed", error=QUOTA, seen=False)

    first = wire_steps.finish_attempt(jobstate_repo, attempt, failed, now=NOW)
    again = wire_steps.finish_attempt(jobstate_repo, attempt, failed, now=NOW)

    assert first == again == {"status": "failed"}
    job = stored(jobstate_repo, attempt)
    assert job.error == QUOTA
    assert job.cluster_seen is False


def test_finish_writes_the_row_when_every_earlier_write_was_lost(
    jobstate_repo: JobStateRepository,
) -> None:
    attempt = accepted_input(None, unique("demo-"))

    result = wire_steps.finish_attempt(
        jobstate_repo, attempt, outcome("failed", error=QUOTA, seen=False), now=NOW
    )

    assert result == {"status": "failed"}
    assert stored(jobstate_repo, attempt).status == TaskStatus.FAILED


def test_success_resolves_earlier_failures_for_the_same_cluster(
    jobstate_repo: JobStateRepository,
) -> None:
    cluster = unique("demo-")
    earlier = accepted_input(jobstate_repo, cluster, now=NOW - timedelta(minutes=10))
    wire_steps.finish_attempt(
        jobstate_repo, earlier, outcome("failed", error=QUOTA, seen=False), now=NOW
    )
    other = accepted_input(jobstate_repo, unique("demo-"), now=NOW - timedelta(minutes=9))
    wire_steps.finish_attempt(
        jobstate_repo, other, outcome("failed", error=QUOTA, seen=False), now=NOW
    )
    later = accepted_input(jobstate_repo, cluster)

    result = wire_steps.finish_attempt(
        jobstate_repo, later, outcome("succeeded", state="Succeeded"), now=NOW
    )

    assert result == {"status": "succeeded"}
    assert stored(jobstate_repo, earlier).resolved_by == later["task_id"]
    assert stored(jobstate_repo, other).resolved_by is None
    job = stored(jobstate_repo, later)
    assert (job.step_index, job.total_steps) == (5, 5)  # the create's five steps, all done
    assert job.resolved_by is None


def test_a_success_resolves_the_failure_it_retried_before_its_status_reads_succeeded(
    jobstate_repo: JobStateRepository,
) -> None:
    failed = accepted_input(jobstate_repo, unique("quota-"), now=NOW - timedelta(minutes=10))
    wire_steps.finish_attempt(
        jobstate_repo, failed, outcome("failed", error=QUOTA, seen=False), now=NOW
    )
    retry = accepted_input(jobstate_repo, unique("demo-"))
    jobstate_repo.update(
        OWNER, retry["task_id"], lambda job: replace(job, retry_of=failed["task_id"])
    )
    seen_when_succeeded: list[str | None] = []

    class Watching(JobStateRepository):
        """The real repository; notes what a reader sees at the moment `succeeded` lands."""

        def update(self, owner_id: str, task_id: str, mutate: Any, **kw: Any) -> Any:
            result = super().update(owner_id, task_id, mutate, **kw)
            if task_id == retry["task_id"] and result and result.status == TaskStatus.SUCCEEDED:
                seen_when_succeeded.append(stored(self, failed).resolved_by)
            return result

    watching = Watching(jobstate_repo.table_client, jobstate_repo.claims.table_client)
    wire_steps.finish_attempt(watching, retry, outcome("succeeded", state="Succeeded"), now=NOW)

    assert seen_when_succeeded == [retry["task_id"]]


def test_successful_delete_resolves_its_target(jobstate_repo: JobStateRepository) -> None:
    original = accepted_input(jobstate_repo, unique("fail-"), now=NOW - timedelta(minutes=5))
    jobstate_repo.update(
        OWNER,
        original["task_id"],
        lambda job: record_outcome(job, TaskStatus.FAILED, QUOTA, now=NOW, cluster_seen=True),
    )
    made = ExistingCluster("Failed", '"e"', product_tags(OWNER, original["task_id"]))
    deletion = accept_cluster_delete(
        jobstate_repo,
        OWNER,
        original["task_id"],
        read_existing=lambda request: made,
        tenant_id="tenant-1",
        timing=TIMING,
        now=NOW,
        unique=uuid.uuid4().hex,
    ).orchestration_input.to_dict()
    wire_steps.begin_attempt(jobstate_repo, deletion, now=NOW)

    result = wire_steps.finish_attempt(
        jobstate_repo,
        deletion,
        OperationOutcome(TaskStatus.SUCCEEDED, None, None, False, "Deleted"),
        now=NOW,
    )

    assert result == {"status": "succeeded"}
    assert stored(jobstate_repo, original).resolved_by == deletion["task_id"]
    job = stored(jobstate_repo, deletion)
    assert (job.step, job.step_index, job.total_steps) == ("Deleted", 4, 4)


def test_delete_steps_remove_a_partial_cluster(
    jobstate_repo: JobStateRepository, arm_client: ContainerServiceClient
) -> None:
    provision = accepted_input(jobstate_repo, unique("fail-"))
    wire_steps.submit_cluster_create(jobstate_repo, arm_client, provision, now=NOW)
    poll_until(jobstate_repo, arm_client, provision, {"Failed"})
    wire_steps.finish_attempt(
        jobstate_repo, provision, outcome("failed", error=QUOTA, state="Failed"), now=NOW
    )
    deletion = accept_cluster_delete(
        jobstate_repo,
        OWNER,
        provision["task_id"],
        read_existing=reader(arm_client),
        tenant_id="tenant-1",
        timing=TIMING,
        now=NOW + timedelta(seconds=1),
        unique=uuid.uuid4().hex,
    ).orchestration_input.to_dict()

    started = wire_steps.submit_cluster_delete(jobstate_repo, arm_client, deletion, now=NOW)
    gone = poll_until(jobstate_repo, arm_client, deletion, {None})

    assert started == {"gone": False, "error": None}
    assert gone == {"cluster_state": None, "gone": True, "error": None}
    job = stored(jobstate_repo, deletion)
    # Polling a delete is step 3 of 4, as the orchestration's custom status says.
    assert (job.step, job.step_index, job.total_steps) == ("Waiting for deletion", 3, 4)
    assert job.cluster_seen is False


def test_finish_logs_the_attempt_dimensions(
    jobstate_repo: JobStateRepository, caplog: pytest.LogCaptureFixture
) -> None:
    attempt = accepted_input(jobstate_repo, unique("quota-"))

    with caplog.at_level(logging.INFO, logger="provisioning.operations.attempts"):
        wire_steps.finish_attempt(
            jobstate_repo, attempt, outcome("failed", error=QUOTA, seen=False), now=NOW
        )

    (record,) = [r for r in caplog.records if getattr(r, "event", None) == "attempt_finished"]
    assert record.task_id == attempt["task_id"]  # type: ignore[attr-defined]
    assert record.owner_hash == hashed_owner(OWNER)  # type: ignore[attr-defined]
    assert record.outcome == "failed"  # type: ignore[attr-defined]
    assert record.category == "quota"  # type: ignore[attr-defined]
    assert OWNER not in record.getMessage()
