"""provisioning.operations.attempts use cases against a real Azurite through the real Tables SDK."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provisioning.access.identity import hashed_owner
from provisioning.clusters.ownership import ExistingCluster, product_tags
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import mark_running, record_outcome
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ClassifiedError, ErrorCategory, TaskStatus, TaskType
from provisioning.operations.attempts import (
    AcceptedAttempt,
    NotCancellable,
    NotDismissable,
    OperationInProgress,
    OrchestrationTiming,
    TaskNotFound,
    accept_provision,
    dismiss_attempt,
    record_orchestration_lost,
)
from provisioning.operations.cancellation import (
    cancel_attempt,
    cancel_lost_attempt,
    cancel_not_delivered,
)
from provisioning.operations.idempotency import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    release_idempotency_key,
)
from provisioning.operations.partial_delete import (
    ClusterReader,
    NotDeletable,
    accept_cluster_delete,
)
from provisioning.operations.starts import abandon_unstarted_attempt, record_start_failure
from provisioning.requests.validation import RequestValidationError
from tests.wire_steps import begin_attempt

NOW = datetime.now(UTC).replace(microsecond=0)
OWNER = "owner-attempts"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TIMING = OrchestrationTiming(poll_seconds=1, deadline_minutes=5)
QUOTA = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "Not enough cores.", False)


def body(cluster: str = "demo", resource_group: str = "rg-one") -> dict[str, Any]:
    return {"cluster_name": cluster, "resource_group": resource_group, "region": "eastus"}


def accept(
    repo: JobStateRepository | None,
    *,
    cluster: str = "demo",
    owner: str = OWNER,
    key: str | None = None,
    now: datetime = NOW,
) -> AcceptedAttempt:
    return accept_provision(
        repo,
        owner,
        body(cluster),
        subscription_id=SUBSCRIPTION,
        tenant_id="tenant-1",
        timing=TIMING,
        idempotency_key=key,
        now=now,
        unique=uuid.uuid4().hex,
    )


def finish(
    repo: JobStateRepository,
    task_id: str,
    status: TaskStatus,
    *,
    cluster_seen: bool,
    owner: str = OWNER,
) -> JobState:
    error = None if status == TaskStatus.SUCCEEDED else QUOTA
    stored = repo.update(
        owner,
        task_id,
        lambda job: record_outcome(
            job,
            status,
            error,
            now=NOW,
            cluster_seen=cluster_seen,
            portal_url="https://portal.example/c" if cluster_seen else None,
        ),
    )
    assert stored is not None and stored.status == status
    return stored


def cluster_it_made(task_id: str, state: str = "Failed") -> ClusterReader:
    """An injected ARM read: the cluster exists, tagged by the attempt `task_id`."""
    made = ExistingCluster(state, '"etag-1"', product_tags(OWNER, task_id))
    return lambda request: made


def delete_of(
    repo: JobStateRepository, task_id: str, read_existing: ClusterReader | None = None
) -> AcceptedAttempt:
    return accept_cluster_delete(
        repo,
        OWNER,
        task_id,
        read_existing=read_existing or cluster_it_made(task_id),
        tenant_id="tenant-1",
        timing=TIMING,
        now=NOW + timedelta(seconds=1),
        unique=uuid.uuid4().hex,
    )


# --- accept_provision ---


def test_accepting_writes_one_queued_row_and_the_orchestration_input(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)

    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None
    assert stored.status == TaskStatus.QUEUED
    assert stored.request.cluster_name == "demo"
    assert stored.request.subscription_id == SUBSCRIPTION
    assert accepted.already_existed is False
    assert accepted.orchestration_input.task_id == accepted.task_id
    assert accepted.orchestration_input.poll_seconds == 1
    assert accepted.orchestration_input.deadline_minutes == 5
    assert "/managedClusters/demo/" in accepted.orchestration_input.portal_url


def test_same_idempotency_key_returns_the_same_task(jobstate_repo: JobStateRepository) -> None:
    first = accept(jobstate_repo, key="key-1/with#odd?chars")
    again = accept(jobstate_repo, key="key-1/with#odd?chars", now=NOW + timedelta(seconds=2))

    assert again.task_id == first.task_id
    assert again.already_existed is True
    assert again.status == "queued"
    assert len(jobstate_repo.list_history(OWNER, 10)) == 1


def test_idempotency_keys_are_per_owner(jobstate_repo: JobStateRepository) -> None:
    mine = accept(jobstate_repo, key="shared-key")
    theirs = accept(jobstate_repo, key="shared-key", owner="someone-else")

    assert theirs.task_id != mine.task_id
    assert theirs.already_existed is False


def accept_request(
    repo: JobStateRepository,
    request_body: dict[str, Any],
    key: str | None,
    now: datetime = NOW,
) -> AcceptedAttempt:
    return accept_provision(
        repo,
        OWNER,
        request_body,
        subscription_id=SUBSCRIPTION,
        tenant_id="tenant-1",
        timing=TIMING,
        idempotency_key=key,
        now=now,
        unique=uuid.uuid4().hex,
    )


def test_key_first_sent_on_a_refused_request_is_not_bound_to_a_phantom_task(
    jobstate_repo: JobStateRepository,
) -> None:
    running = accept(jobstate_repo, cluster="busy")

    for retry in range(2):  # every retry while the first attempt runs is refused the same way
        with pytest.raises(OperationInProgress) as raised:
            accept(jobstate_repo, cluster="busy", key="k-409", now=NOW + timedelta(seconds=retry))
        assert raised.value.task_id == running.task_id
    finish(jobstate_repo, running.task_id, TaskStatus.FAILED, cluster_seen=False)

    accepted = accept(jobstate_repo, cluster="busy", key="k-409", now=NOW + timedelta(seconds=5))
    assert accepted.already_existed is False and accepted.task_id != running.task_id
    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.QUEUED
    again = accept(jobstate_repo, cluster="busy", key="k-409", now=NOW + timedelta(seconds=6))
    assert (again.task_id, again.already_existed) == (accepted.task_id, True)


def test_same_key_with_a_different_request_is_refused_as_reused(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept(jobstate_repo, cluster="one", key="k-reused")

    with pytest.raises(IdempotencyKeyReused):
        accept(jobstate_repo, cluster="two", key="k-reused", now=NOW + timedelta(seconds=1))

    assert [j.task_id for j in jobstate_repo.list_history(OWNER, 10)] == [first.task_id]


def test_same_key_with_the_same_validated_request_spelled_differently_is_the_same_task(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept_request(jobstate_repo, body("spelled"), "k-spelled")
    explicit = {
        **body("spelled"),
        "node_count": 1,
        "node_vm_size": "Standard_D2s_v5",
        "kubernetes_version": "",
    }
    again = accept_request(jobstate_repo, explicit, "k-spelled", NOW + timedelta(seconds=1))

    assert (again.task_id, again.already_existed) == (first.task_id, True)


def test_released_key_after_a_failed_start_gives_a_fresh_attempt(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept(jobstate_repo, cluster="nostart", key="k-start")
    record_start_failure(jobstate_repo, first.orchestration_input, "engine down", now=NOW)
    release_idempotency_key(jobstate_repo, OWNER, "k-start", first.task_id)

    retry = accept(jobstate_repo, cluster="nostart", key="k-start", now=NOW + timedelta(seconds=1))

    assert retry.already_existed is False and retry.task_id != first.task_id


def test_releasing_someone_elses_binding_leaves_it_alone(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept(jobstate_repo, cluster="kept", key="k-kept")
    release_idempotency_key(jobstate_repo, OWNER, "k-kept", "another-task")

    again = accept(jobstate_repo, cluster="kept", key="k-kept", now=NOW + timedelta(seconds=1))

    assert again.task_id == first.task_id


def test_claim_of_a_request_that_died_before_writing_is_taken_over(
    jobstate_repo: JobStateRepository,
) -> None:
    ghost = new_task_id(NOW - timedelta(hours=1), uuid.uuid4().hex[:12])
    jobstate_repo.claims.claim_idempotency(
        OWNER, "k-ghost", ghost, None, now=NOW - timedelta(hours=1)
    )

    accepted = accept(jobstate_repo, cluster="ghostly", key="k-ghost")

    assert accepted.already_existed is False and accepted.task_id != ghost
    assert jobstate_repo.get(OWNER, accepted.task_id) is not None


def test_fresh_claim_whose_attempt_never_appears_answers_in_progress_not_a_phantom(
    jobstate_repo: JobStateRepository,
) -> None:
    in_flight = new_task_id(NOW, uuid.uuid4().hex[:12])
    jobstate_repo.claims.claim_idempotency(OWNER, "k-flight", in_flight, None, now=NOW)

    with pytest.raises(IdempotencyKeyInProgress):
        accept(jobstate_repo, cluster="flight", key="k-flight")

    assert jobstate_repo.list_history(OWNER, 10) == []


def test_concurrent_requests_with_one_key_and_body_make_exactly_one_task(
    jobstate_repo: JobStateRepository,
) -> None:
    for round_number in range(4):  # bounded: a race that only shows sometimes still shows
        key, cluster = f"k-race-{round_number}", f"race-{round_number}"
        barrier = threading.Barrier(6)
        outcomes: list[object] = [None] * 6

        def submit(
            index: int,
            key: str = key,
            cluster: str = cluster,
            barrier: threading.Barrier = barrier,
            outcomes: list[object] = outcomes,
        ) -> None:
            barrier.wait()
            try:
                outcomes[index] = accept(jobstate_repo, cluster=cluster, key=key)
            except Exception as exc:  # every outcome is asserted on below
                outcomes[index] = exc

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert all(isinstance(o, AcceptedAttempt) for o in outcomes), outcomes
        accepted = [o for o in outcomes if isinstance(o, AcceptedAttempt)]
        assert len({a.task_id for a in accepted}) == 1
        assert sum(not a.already_existed for a in accepted) == 1
        rows = [
            j for j in jobstate_repo.list_history(OWNER, 50) if j.request.cluster_name == cluster
        ]
        assert [j.task_id for j in rows] == [accepted[0].task_id]


def test_second_active_attempt_for_the_same_cluster_is_refused(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept(jobstate_repo, cluster="demo")

    with pytest.raises(OperationInProgress) as raised:
        accept(jobstate_repo, cluster="DEMO", now=NOW + timedelta(seconds=1))

    assert raised.value.task_id == first.task_id
    assert accept(jobstate_repo, cluster="other").task_id != first.task_id


def test_finished_attempt_frees_the_cluster_for_a_new_one(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept(jobstate_repo)
    finish(jobstate_repo, first.task_id, TaskStatus.FAILED, cluster_seen=False)

    second = accept(jobstate_repo, now=NOW + timedelta(seconds=1))

    assert second.task_id != first.task_id


def test_without_storage_the_attempt_is_still_accepted() -> None:
    accepted = accept(None)

    assert accepted.task_id
    assert accepted.already_existed is False
    assert accepted.orchestration_input.task_id == accepted.task_id
    assert accepted.orchestration_input.request.cluster_name == "demo"


def test_invalid_request_names_the_field(jobstate_repo: JobStateRepository) -> None:
    with pytest.raises(RequestValidationError) as raised:
        accept_provision(
            jobstate_repo,
            OWNER,
            {"cluster_name": "demo", "region": "eastus"},
            subscription_id=SUBSCRIPTION,
            tenant_id="",
            timing=TIMING,
            idempotency_key=None,
            now=NOW,
            unique=uuid.uuid4().hex,
        )

    assert raised.value.field == "resource_group"
    assert jobstate_repo.list_history(OWNER, 10) == []


def test_accepting_logs_the_attempt_dimensions(
    jobstate_repo: JobStateRepository, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="provisioning.operations.attempts"):
        accepted = accept(jobstate_repo)

    (record,) = [r for r in caplog.records if getattr(r, "event", None) == "attempt_accepted"]
    assert record.task_id == accepted.task_id  # type: ignore[attr-defined]
    assert record.owner_hash == hashed_owner(OWNER)  # type: ignore[attr-defined]
    assert record.outcome == "queued"  # type: ignore[attr-defined]
    assert OWNER not in record.getMessage()


# --- cancel_attempt ---


def test_cancelling_a_queued_attempt_cancels_it_at_once(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)

    decision = cancel_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    assert (decision.status, decision.was_running, decision.signal_orchestration) == (
        "cancelling",
        True,
        True,
    )
    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.CANCELLED
    assert stored.error is not None and stored.error.code == "Cancelled"
    assert stored.cluster_seen is False


def test_cancelling_a_running_attempt_signals_the_orchestration(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    jobstate_repo.update(OWNER, accepted.task_id, lambda job: mark_running(job, now=NOW))

    decision = cancel_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    assert (decision.status, decision.was_running, decision.signal_orchestration) == (
        "cancelling",
        True,
        True,
    )
    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.RUNNING


def test_cancelling_a_finished_attempt_reports_its_status(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.FAILED, cluster_seen=False)

    decision = cancel_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    assert (decision.status, decision.was_running, decision.signal_orchestration) == (
        "failed",
        False,
        False,
    )


def test_cancelling_someone_elses_attempt_is_not_found(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)

    with pytest.raises(TaskNotFound):
        cancel_attempt(jobstate_repo, "intruder", accepted.task_id, now=NOW)
    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.QUEUED


# --- dismiss_attempt ---


def test_dismissing_hides_the_failure_and_is_idempotent(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.FAILED, cluster_seen=False)

    first = dismiss_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)
    again = dismiss_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW + timedelta(hours=1))

    assert first.dismissed_at == NOW
    assert again.dismissed_at == NOW
    assert first.is_resolved


def test_dismissing_someone_elses_attempt_is_not_found(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)

    with pytest.raises(TaskNotFound):
        dismiss_attempt(jobstate_repo, "intruder", accepted.task_id, now=NOW)


# --- accept_cluster_delete ---


@pytest.mark.parametrize(
    ("status", "cluster_seen"),
    [
        (TaskStatus.SUCCEEDED, True),
        (TaskStatus.FAILED, False),
        (TaskStatus.CANCELLED, False),
    ],
)
def test_only_a_partial_cluster_can_be_deleted(
    jobstate_repo: JobStateRepository, status: TaskStatus, cluster_seen: bool
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, status, cluster_seen=cluster_seen)

    with pytest.raises(NotDeletable):
        delete_of(jobstate_repo, accepted.task_id)


def test_a_running_attempt_cannot_be_deleted(jobstate_repo: JobStateRepository) -> None:
    accepted = accept(jobstate_repo)
    jobstate_repo.update(OWNER, accepted.task_id, lambda job: mark_running(job, now=NOW))

    with pytest.raises(NotDeletable):
        delete_of(jobstate_repo, accepted.task_id)


def test_cancelled_attempt_that_left_a_cluster_starts_a_delete(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    original = finish(jobstate_repo, accepted.task_id, TaskStatus.CANCELLED, cluster_seen=True)

    deletion = delete_of(jobstate_repo, accepted.task_id)

    stored = jobstate_repo.get(OWNER, deletion.task_id)
    assert stored is not None
    assert (stored.type, stored.status) == (TaskType.AKS_DELETE, TaskStatus.QUEUED)
    assert stored.target_task_id == accepted.task_id
    assert stored.request == original.request
    assert deletion.orchestration_input.type == "aks_delete"
    assert deletion.orchestration_input.target_task_id == accepted.task_id
    assert deletion.orchestration_input.portal_url == original.portal_url
    with pytest.raises(OperationInProgress):
        delete_of(jobstate_repo, accepted.task_id)


def test_a_running_delete_cannot_be_cancelled_but_a_queued_one_can(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.CANCELLED, cluster_seen=True)
    queued = delete_of(jobstate_repo, accepted.task_id)
    assert cancel_attempt(jobstate_repo, OWNER, queued.task_id, now=NOW).signal_orchestration
    stored = jobstate_repo.get(OWNER, queued.task_id)
    assert stored is not None and stored.status == TaskStatus.CANCELLED

    running = delete_of(jobstate_repo, accepted.task_id)
    jobstate_repo.update(OWNER, running.task_id, lambda job: mark_running(job, now=NOW))
    with pytest.raises(NotCancellable):
        cancel_attempt(jobstate_repo, OWNER, running.task_id, now=NOW)
    stored = jobstate_repo.get(OWNER, running.task_id)
    assert stored is not None and stored.status == TaskStatus.RUNNING


def test_a_delete_task_itself_cannot_be_deleted(jobstate_repo: JobStateRepository) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.FAILED, cluster_seen=True)
    deletion = delete_of(jobstate_repo, accepted.task_id)

    with pytest.raises(NotDeletable):
        delete_of(jobstate_repo, deletion.task_id)


# --- record_start_failure ---


def test_start_failure_fails_the_row_and_frees_the_slot(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)

    record_start_failure(jobstate_repo, accepted.orchestration_input, "host unreachable", now=NOW)

    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED
    assert stored.error is not None and stored.error.code == "OrchestrationNotStarted"
    assert "host unreachable" in stored.error.message
    assert accept(jobstate_repo, now=NOW + timedelta(seconds=1)).task_id != accepted.task_id


def test_start_failure_writes_the_failed_row_when_the_accept_insert_was_lost(
    jobstate_repo: JobStateRepository,
) -> None:
    """If the engine completes the start later, its first step must find a finished row."""
    accepted = accept_provision(
        None,
        OWNER,
        body(),
        subscription_id=SUBSCRIPTION,
        tenant_id="",
        timing=TIMING,
        idempotency_key=None,
        now=NOW,
        unique="0123456789ab",
    )
    assert jobstate_repo.get(OWNER, accepted.task_id) is None

    record_start_failure(jobstate_repo, accepted.orchestration_input, "engine hung", now=NOW)

    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED
    assert stored.request.cluster_name == "demo"
    step = begin_attempt(jobstate_repo, accepted.orchestration_input.to_dict(), now=NOW)
    assert step == {"proceed": False, "status": "failed"}


def test_a_resolved_failure_cannot_delete_the_cluster_a_later_success_made_healthy(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.FAILED, cluster_seen=True)
    jobstate_repo.resolve(OWNER, accepted.task_id, "2516614703999999999-bbbbbbbbbbbb", NOW)

    with pytest.raises(NotDeletable, match="already resolved"):
        delete_of(jobstate_repo, accepted.task_id)

    assert [job.type for job in jobstate_repo.list_history(OWNER, 10)] == [TaskType.AKS_PROVISION]


@pytest.mark.parametrize(
    ("owner", "state"), [("someone-else", "Failed"), (OWNER, "Succeeded"), (OWNER, "Updating")]
)
def test_delete_refuses_a_cluster_the_attempt_did_not_make(
    jobstate_repo: JobStateRepository, owner: str, state: str
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.CANCELLED, cluster_seen=True)
    other = ExistingCluster(state, '"e"', product_tags(owner, "2516614703999999999-cccccccccccc"))

    with pytest.raises(NotDeletable, match="not the one this attempt created"):
        delete_of(jobstate_repo, accepted.task_id, lambda request: other)


def test_delete_of_a_cluster_already_gone_succeeds_at_once_and_resolves_the_failure(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.FAILED, cluster_seen=True)

    deletion = delete_of(jobstate_repo, accepted.task_id, lambda request: None)

    assert deletion.already_existed is True  # nothing to start
    done = jobstate_repo.get(OWNER, deletion.task_id)
    assert done is not None
    assert (done.type, done.status, done.step) == (
        TaskType.AKS_DELETE,
        TaskStatus.SUCCEEDED,
        "Deleted",
    )
    original = jobstate_repo.get(OWNER, accepted.task_id)
    assert original is not None and original.resolved_by == "cluster-gone"


def test_delete_goes_ahead_when_arm_cannot_be_read_the_step_checks_again(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    finish(jobstate_repo, accepted.task_id, TaskStatus.FAILED, cluster_seen=True)

    def unreachable(request: object) -> None:
        raise ConnectionError("ARM down")

    deletion = delete_of(jobstate_repo, accepted.task_id, unreachable)

    stored = jobstate_repo.get(OWNER, deletion.task_id)
    assert stored is not None and stored.status == TaskStatus.QUEUED


def test_dismissing_a_running_attempt_is_refused(jobstate_repo: JobStateRepository) -> None:
    accepted = accept(jobstate_repo)
    jobstate_repo.update(OWNER, accepted.task_id, lambda job: mark_running(job, now=NOW))

    with pytest.raises(NotDismissable):
        dismiss_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.dismissed_at is None


def test_a_lost_orchestration_fails_the_attempt_and_frees_the_cluster_name(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo)
    jobstate_repo.update(OWNER, accepted.task_id, lambda job: mark_running(job, now=NOW))

    lost = record_orchestration_lost(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    assert lost.status == TaskStatus.FAILED
    assert lost.error is not None and lost.error.code == "OrchestrationLost"
    again = accept(jobstate_repo)  # the same resource group + name is free again
    assert again.task_id != accepted.task_id


# --- cancel decisions the handler used to make ---


def test_an_undelivered_cancel_reports_a_task_that_finished_meanwhile(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo, cluster="raced")
    jobstate_repo.update(OWNER, accepted.task_id, lambda job: mark_running(job, now=NOW))
    decision = cancel_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)
    finish(jobstate_repo, accepted.task_id, TaskStatus.SUCCEEDED, cluster_seen=True)

    answer = cancel_not_delivered(jobstate_repo, OWNER, decision)

    assert answer.to_dict() == {
        "task_id": accepted.task_id,
        "status": "succeeded",
        "was_running": False,
    }


def test_an_undelivered_cancel_of_a_task_still_running_stands(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo, cluster="stillrunning")
    jobstate_repo.update(OWNER, accepted.task_id, lambda job: mark_running(job, now=NOW))
    decision = cancel_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    answer = cancel_not_delivered(jobstate_repo, OWNER, decision)

    assert answer.to_dict() == {
        "task_id": accepted.task_id,
        "status": "cancelling",
        "was_running": True,
    }


def test_cancelling_an_attempt_whose_orchestration_is_gone_fails_it_without_a_signal(
    jobstate_repo: JobStateRepository,
) -> None:
    accepted = accept(jobstate_repo, cluster="lost")

    answer = cancel_lost_attempt(jobstate_repo, OWNER, accepted.task_id, now=NOW)

    assert (answer.status, answer.was_running, answer.signal_orchestration) == (
        "failed",
        False,
        False,
    )
    stored = jobstate_repo.get(OWNER, accepted.task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED


# --- abandon_unstarted_attempt ---


def test_an_unstarted_attempt_is_failed_and_its_key_freed_for_a_fresh_try(
    jobstate_repo: JobStateRepository,
) -> None:
    first = accept(jobstate_repo, cluster="abandoned", key="k-abandoned")

    abandon_unstarted_attempt(jobstate_repo, first, now=NOW)

    stored = jobstate_repo.get(OWNER, first.task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED
    assert stored.error is not None and stored.error.code == "OrchestrationNotStarted"
    retry = accept(
        jobstate_repo, cluster="abandoned", key="k-abandoned", now=NOW + timedelta(seconds=1)
    )
    assert retry.already_existed is False and retry.task_id != first.task_id


def test_abandoning_without_storage_records_nothing_and_does_not_fail() -> None:
    accepted = accept(None, cluster="nostorage", key="k-nostorage")

    abandon_unstarted_attempt(None, accepted, now=NOW)

    assert accepted.idempotency_key is None  # never bound: storage was down at accept time
