"""The steps every cluster operation runs (begin, poll, finish) and what they share.

Plain functions over injected clients; activities wrap them. Every step is idempotent
(activities run at least once) and records progress in JobState best-effort: a storage
fault never fails a step that reached Azure, and the terminal outcome is retried until it
is stored. Each operation type's own submit (and abort) steps live in
provisioning/<operation>_steps.py (create_steps, delete_steps).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from provisioning.clusters.arm_calls import (
    AbortAnswer,
    abort_cluster_operation,
    read_cluster,
    read_cluster_state,
    read_operation_error,
)
from provisioning.clusters.ownership import ExistingCluster
from provisioning.errors.arm_unavailable import arm_did_not_answer
from provisioning.errors.classify import classify_arm_error, classify_exception, is_transient
from provisioning.errors.product import ARM_NOT_ANSWERING_STEP, PROVISIONING_FAILED
from provisioning.jobs.events import log_attempt_event
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import mark_running, record_outcome, record_progress
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable
from provisioning.models import (
    ClassifiedError,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)
from provisioning.operations.messages import (
    AbortResult,
    BeginResult,
    FinishResult,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from provisioning.operations.starts import job_from_orchestration_input
from provisioning.operations.step_tables import OperationSteps, Phase

logger = logging.getLogger(__name__)

TRANSIENT_MARKER = "TransientArmFailure:"


class TransientArmFailure(Exception):
    """A retryable ARM fault: raised so the orchestrator's RetryOptions try again.

    The message carries the classified error as JSON, so that after the last retry
    the orchestrator can still record precisely what went wrong.
    """

    def __init__(self, error: ClassifiedError) -> None:
        super().__init__(TRANSIENT_MARKER + json.dumps(error.to_dict()))
        self.error = error


def error_from_activity_failure(text: str) -> ClassifiedError:
    """Recover the classified error from a failed activity's text (after the last retry)."""
    # The marker also appears as the exception's type name ("TransientArmFailure: Transient
    # ArmFailure:{...}" in the host's Reason), so try every occurrence until one decodes.
    decoder = json.JSONDecoder()
    start = text.find(TRANSIENT_MARKER)
    while start != -1:
        try:
            data, _ = decoder.raw_decode(text, start + len(TRANSIENT_MARKER))
            return ClassifiedError.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            start = text.find(TRANSIENT_MARKER, start + 1)
    if TRANSIENT_MARKER in text:
        logger.warning("unreadable transient failure payload")
    return ClassifiedError(
        code="ActivityFailed",
        category=ErrorCategory.UNKNOWN,
        message=text.strip().splitlines()[0].strip()[:1000] if text.strip() else "A step failed.",
        retryable=True,
    )


def arm_context(request: ProvisionRequest) -> dict[str, str]:
    """What the classifier needs to word its advice (links for this subscription/region)."""
    return {
        "subscription_id": request.subscription_id,
        "region": request.region,
        "vm_size": request.node_vm_size,
        "resource_group": request.resource_group,
    }


def publish_progress(
    repo: JobStateRepository | None, attempt: OperationInput, mutate: Any
) -> JobState | None:
    """Best-effort JobState write: progress is also in the orchestration's custom status."""
    if repo is None:
        return None
    try:
        return repo.update(attempt.owner_id, attempt.task_id, mutate)
    except StorageUnavailable:
        logger.warning("progress of %s not stored (storage unavailable)", attempt.task_id)
        return None


def publish_waiting(
    repo: JobStateRepository | None,
    attempt: OperationInput,
    *,
    now: datetime,
    cluster_state: str | None,
    cluster_seen: bool = False,
    portal_url: str | None = None,
) -> None:
    """Publish the wait step (the one the poll loop shows) with what ARM last said."""
    publish_progress(
        repo,
        attempt,
        lambda job: record_progress(
            job,
            now=now,
            step=attempt.steps.name(Phase.WAITING),
            step_index=attempt.steps.index(Phase.WAITING),
            cluster_state=cluster_state,
            cluster_seen=cluster_seen,
            portal_url=portal_url,
        ),
    )


def _running(job: JobState, steps: OperationSteps, now: datetime) -> JobState | None:
    moved = mark_running(job, now=now, step=steps.name(Phase.STARTING))
    return None if moved is None else replace(moved, step_index=steps.index(Phase.STARTING))


PROCEED_WITHOUT_STORAGE = BeginResult(True, TaskStatus.RUNNING)


def begin_attempt(
    repo: JobStateRepository | None, attempt: OperationInput, *, now: datetime
) -> BeginResult:
    """Step 1: make sure the row exists, mark it running; stop if it was cancelled while queued."""
    if repo is None:
        return PROCEED_WITHOUT_STORAGE
    try:
        repo.upsert_missing(job_from_orchestration_input(attempt))
        stored = repo.update(
            attempt.owner_id, attempt.task_id, lambda job: _running(job, attempt.steps, now)
        )
    except StorageUnavailable:
        logger.warning("could not mark %s running (storage unavailable)", attempt.task_id)
        return PROCEED_WITHOUT_STORAGE
    status = stored.status if stored is not None else TaskStatus.RUNNING
    return BeginResult(not status.is_terminal, status)


def poll_cluster(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> PollResult:
    """The wait step's loop body: read provisioningState, publish it, explain a failure."""
    request = attempt.request
    try:
        state = read_cluster_state(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # classified: a transient fault never ends the attempt
        error = classify_exception(exc, **arm_context(request))
        if not is_transient(error):
            return PollResult(None, error=error)
        publish_progress(
            repo,
            attempt,
            lambda job: record_progress(
                job,
                now=now,
                step=ARM_NOT_ANSWERING_STEP,
                step_index=attempt.steps.index(Phase.WAITING),
            ),
        )
        return PollResult(None, unreachable=error)
    deleting = attempt.type == TaskType.AKS_DELETE
    if state is not None or not deleting:
        publish_waiting(
            repo,
            attempt,
            now=now,
            cluster_state=state,
            cluster_seen=state is not None and not deleting,
        )
    if state != "Failed":
        return PollResult(state, gone=state is None)
    return PollResult(state, error=_cluster_failure(client, attempt))


def _cluster_failure(client: Any, attempt: OperationInput) -> ClassifiedError:
    """Why the cluster ended Failed: its async operation's error, or a generic failure."""
    if attempt.operation_url:
        return _operation_failure(client, attempt.operation_url, attempt.request)
    return classify_arm_error(
        PROVISIONING_FAILED.code,
        PROVISIONING_FAILED.message,
        status=None,
        **arm_context(attempt.request),
    )


def _operation_failure(
    client: Any, operation_url: str, request: ProvisionRequest
) -> ClassifiedError:
    """Why an accepted create failed: the async operation's error, classified."""
    try:
        _, code, message = read_operation_error(client, operation_url)
    except Exception as exc:  # fall back to a generic failure rather than lose the outcome
        logger.warning("could not read the failed operation of %s: %s", request.cluster_name, exc)
        code, message = PROVISIONING_FAILED.code, PROVISIONING_FAILED.message
    return classify_arm_error(
        code or PROVISIONING_FAILED.code,
        message or PROVISIONING_FAILED.message,
        status=None,
        **arm_context(request),
    )


# A row in these states may end (or, on a re-run, already ended) succeeded.
_MAY_SUCCEED = frozenset({TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED})


def finish_attempt(
    repo: JobStateRepository, attempt: OperationInput, outcome: OperationOutcome, *, now: datetime
) -> FinishResult:
    """Final step: store the terminal outcome (raises on storage faults so it is retried).

    A success resolves what it makes moot *before* the status is stored: whoever reads
    `succeeded` then never still sees the failure it resolved.
    """
    current = repo.upsert_missing(job_from_orchestration_input(attempt))
    if outcome.status == TaskStatus.SUCCEEDED and current.status in _MAY_SUCCEED:
        _resolve_after_success(repo, current, attempt, now=now)
    stored = repo.update(
        attempt.owner_id, attempt.task_id, lambda job: _finished(job, attempt, outcome, now)
    )
    if stored is None:
        return FinishResult(outcome.status)
    if stored.status == outcome.status:
        log_attempt_event("attempt_finished", stored)
    return FinishResult(stored.status)


def _finished(
    job: JobState, attempt: OperationInput, outcome: OperationOutcome, now: datetime
) -> JobState | None:
    """The row with the outcome recorded; a success also completes the step count."""
    steps = attempt.steps
    moved = record_outcome(
        job,
        outcome.status,
        outcome.error,
        now=now,
        step=outcome.step or steps.finishing,
        cluster_state=outcome.cluster_state,
        cluster_seen=outcome.cluster_seen,
        portal_url=attempt.portal_url if outcome.cluster_seen else None,
        warning=outcome.warning,
    )
    if moved is None or outcome.status != TaskStatus.SUCCEEDED:
        return moved
    return replace(moved, step_index=steps.total)


def _resolve_after_success(
    repo: JobStateRepository, job: JobState, attempt: OperationInput, *, now: datetime
) -> None:
    """A success makes earlier failures for the same cluster moot (and a delete, its target)."""
    if job.type == TaskType.AKS_DELETE and attempt.target_task_id:
        repo.resolve(job.owner_id, attempt.target_task_id, job.task_id, now=now)
        return
    if job.retry_of:  # Edit & retry: the retried failure is moot whatever name this used
        repo.resolve(job.owner_id, job.retry_of, job.task_id, now=now)
    repo.resolve_earlier_failures(
        job.owner_id,
        job.request.resource_group,
        job.request.cluster_name,
        job.task_id,
        job.task_id,
        now=now,
    )


def abort_own_operation(
    client: Any, attempt: OperationInput, may_abort: Callable[[ExistingCluster], bool]
) -> AbortResult:
    """Cancel: abort the running operation on a cluster we may touch, then read what ARM says.

    ARM's silence is reported as such (never as a refusal): the orchestration then asks
    again rather than record an outcome ARM never gave.
    """
    request = attempt.request
    try:
        existing = read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # a hint only, unless ARM is silent
        if arm_did_not_answer(exc):
            logger.warning("ARM did not answer before the abort of %s", request.cluster_name)
            return AbortResult.unanswered()
        logger.info("could not read %s before the abort: %s", request.cluster_name, exc)
        existing = None
    if existing is not None and not may_abort(existing):
        logger.warning("not aborting %s: not this attempt's to abort", request.cluster_name)
        return AbortResult(AbortAnswer.REFUSED, existing.provisioning_state)
    answer = abort_cluster_operation(client, request.resource_group, request.cluster_name)
    if answer is AbortAnswer.UNANSWERED:
        return AbortResult.unanswered()
    try:
        after = read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # a hint only: the orchestration reads again
        logger.info("could not read %s after the abort: %s", request.cluster_name, exc)
        after = None
    return AbortResult(answer, after.provisioning_state if after else None)
