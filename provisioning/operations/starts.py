"""Starting an operation's orchestration: the late-start guard and what a failed start means.

An HTTP caller waits a bounded time for the engine to accept a start. When it gives up
(and answers 503), the attempt is failed here, its key released, and an engine that
creates the instance later anyway finds `start_by` passed and stops before Azure.
"""

from __future__ import annotations

import logging
from datetime import datetime

from provisioning.errors.product import start_failure_error
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import record_outcome
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable
from provisioning.models import TaskStatus
from provisioning.operations.attempts import AcceptedAttempt
from provisioning.operations.idempotency import release_idempotency_key
from provisioning.operations.messages import OperationInput
from provisioning.utc import as_utc

logger = logging.getLogger(__name__)

LATE_START_REASON = "the workflow engine answered too late"
ENGINE_UNAVAILABLE_REASON = "the workflow engine is unavailable"


def started_too_late(attempt: OperationInput, instance_created_at: datetime | None) -> bool:
    """True when the engine created the instance after its HTTP caller stopped waiting.

    That caller answered 503 "try again", so the attempt must not go on. The instance's
    creation time (not its first run) decides: a busy engine may run it much later.
    """
    if attempt.start_by is None or instance_created_at is None:
        return False
    return as_utc(instance_created_at) > as_utc(attempt.start_by)


def job_from_orchestration_input(attempt: OperationInput) -> JobState:
    """The queued row as the accept step meant to write it (for a missing-row upsert)."""
    return JobState.new(
        attempt.owner_id,
        attempt.task_id,
        attempt.request,
        now=attempt.created_at,
        task_type=attempt.type,
        total_steps=attempt.steps.total,
        target_task_id=attempt.target_task_id,
        trigger=attempt.trigger,
        retry_of=attempt.retry_of,
    )


def record_start_failure(
    repo: JobStateRepository, attempt: OperationInput, reason: str, *, now: datetime
) -> None:
    """The orchestration could not be started (in time): fail its row, writing it if missing.

    The row then holds no active slot, and if the engine completes the start later
    anyway, the orchestration's first step finds the row finished and stops before Azure.
    """
    error = start_failure_error(reason)
    try:
        repo.upsert_missing(job_from_orchestration_input(attempt))
        repo.update(
            attempt.owner_id,
            attempt.task_id,
            lambda job: record_outcome(job, TaskStatus.FAILED, error, now=now, step="Failed"),
        )
    except StorageUnavailable:
        logger.warning("could not record start failure of %s", attempt.task_id)


def abandon_unstarted_attempt(
    repo: JobStateRepository | None, accepted: AcceptedAttempt, *, now: datetime
) -> None:
    """The engine did not start the attempt: fail its row and free its Idempotency-Key.

    The attempt was not accepted after all, so a retry with the same key starts afresh.
    Without storage there is nothing to record (the late-start guard still holds).
    """
    if repo is None:
        return
    record_start_failure(repo, accepted.orchestration_input, ENGINE_UNAVAILABLE_REASON, now=now)
    if accepted.idempotency_key:
        owner_id = accepted.orchestration_input.owner_id
        release_idempotency_key(repo, owner_id, accepted.idempotency_key, accepted.task_id)
