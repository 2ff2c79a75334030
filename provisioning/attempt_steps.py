"""The steps an orchestration runs, as plain functions over injected clients (activities wrap them).

Every step is idempotent (activities run at least once) and records progress in
JobState best-effort: a storage fault never fails a step that reached Azure, and
the terminal outcome is retried until it is stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from provisioning.arm_errors import classify_arm_error, classify_exception, is_transient
from provisioning.attempt_log import log_attempt_event
from provisioning.cluster_ownership import (
    CreateDecision,
    ExistingCluster,
    decide_on_existing,
    may_delete,
    product_tags,
)
from provisioning.clusters import (
    abort_cluster_operation,
    is_precondition_failed,
    read_cluster,
    read_cluster_state,
    read_operation_error,
    start_cluster_create,
    start_cluster_delete,
)
from provisioning.jobstate import JobState, mark_running, record_outcome, record_progress
from provisioning.jobstate_repository import JobStateRepository, StorageUnavailable
from provisioning.models import (
    ClassifiedError,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)
from provisioning.operation_messages import (
    AbortResult,
    BeginResult,
    CreateSubmitted,
    DeleteSubmitted,
    FinishResult,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from provisioning.operation_steps import OperationSteps, Phase
from provisioning.orchestration_starts import job_from_orchestration_input
from provisioning.product_errors import (
    ARM_NOT_ANSWERING_STEP,
    cluster_changing_error,
    cluster_exists_error,
    cluster_not_ours_error,
)

logger = logging.getLogger(__name__)

TRANSIENT_MARKER = "TransientArmFailure:"
CLUSTER_FAILED_CODE = "ProvisioningFailed"
CLUSTER_FAILED_MESSAGE = "The cluster ended in the Failed state."


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


def _arm_context(request: ProvisionRequest) -> dict[str, str]:
    """What the classifier needs to word its advice (links for this subscription/region)."""
    return {
        "subscription_id": request.subscription_id,
        "region": request.region,
        "vm_size": request.node_vm_size,
        "resource_group": request.resource_group,
    }


def _publish(
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


def _publish_waiting(
    repo: JobStateRepository | None,
    attempt: OperationInput,
    *,
    now: datetime,
    cluster_state: str | None,
    cluster_seen: bool = False,
    portal_url: str | None = None,
) -> None:
    """Publish the wait step (the one the poll loop shows) with what ARM last said."""
    _publish(
        repo,
        attempt,
        lambda job: record_progress(
            job,
            now=now,
            step=attempt.steps.name(Phase.WAITING),
            step_index=Phase.WAITING,
            cluster_state=cluster_state,
            cluster_seen=cluster_seen,
            portal_url=portal_url,
        ),
    )


def _running(job: JobState, steps: OperationSteps, now: datetime) -> JobState | None:
    moved = mark_running(job, now=now, step=steps.name(Phase.STARTING))
    return None if moved is None else replace(moved, step_index=Phase.STARTING)


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


MAX_CREATE_ROUNDS = 3
MAX_DELETE_ROUNDS = 3


def submit_cluster_create(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> CreateSubmitted:
    """Step 2: conditional PUT (DESIGN §5). Terminal errors return classified; transient raise.

    The PUT only creates. When the name is taken (412), or ARM says an operation is in
    progress, the existing cluster decides: our own create carries on, the caller's own
    Failed/Canceled cluster is replaced with If-Match, anything else is refused untouched.
    """
    tags = product_tags(attempt.owner_id, attempt.task_id)
    etag: str | None = None
    for _ in range(MAX_CREATE_ROUNDS):
        try:
            accepted = start_cluster_create(client, attempt.request, tags, etag=etag)
        except Exception as exc:  # every ARM fault is classified, never swallowed
            judged = _judge_refused_create(repo, client, attempt, exc, now=now)
            if isinstance(judged, CreateSubmitted):
                return judged
            etag = judged.etag
            continue
        state = accepted.provisioning_state or "Creating"
        return _accepted(repo, attempt, state, accepted.operation_url, now=now)
    return _name_taken(attempt.request)


@dataclass(frozen=True)
class _RetryCreate:
    """Put again: a plain create (no etag) or an If-Match replace of the caller's own cluster."""

    etag: str | None


def _judge_refused_create(
    repo: JobStateRepository | None,
    client: Any,
    attempt: OperationInput,
    exc: Exception,
    *,
    now: datetime,
) -> CreateSubmitted | _RetryCreate:
    """ARM refused the PUT: a terminal fault ends the step, else the existing cluster decides."""
    request = attempt.request
    error = classify_exception(exc, **_arm_context(request))
    refused = is_precondition_failed(exc)
    if not refused and not is_transient(error):
        logger.info("create of %s rejected: %s", request.cluster_name, error.code)
        return CreateSubmitted.rejected(error)
    existing = _read_or_raise(client, request, error, exc)
    if existing is None:
        if refused:  # deleted between our PUT and our read: try a plain create again
            return _RetryCreate(None)
        raise TransientArmFailure(error) from exc
    return _existing_decides(repo, attempt, existing, refused, error, exc, now=now)


def _existing_decides(
    repo: JobStateRepository | None,
    attempt: OperationInput,
    existing: ExistingCluster,
    refused: bool,
    error: ClassifiedError,
    cause: Exception,
    *,
    now: datetime,
) -> CreateSubmitted | _RetryCreate:
    """Our own create carries on, the caller's own failed one is replaced, others refused."""
    request = attempt.request
    decision = decide_on_existing(existing, attempt.owner_id, attempt.task_id)
    if decision is CreateDecision.CARRY_ON:
        state = existing.provisioning_state or "Creating"
        return _accepted(repo, attempt, state, None, now=now)
    if decision is not CreateDecision.RETRY_OWN:
        logger.info("create of %s refused: the name is taken", request.cluster_name)
        return _name_taken(request)
    if refused:
        return _RetryCreate(existing.etag)  # a concurrent change makes this 412 again
    raise TransientArmFailure(error) from cause  # own failed cluster, still busy


def _name_taken(request: ProvisionRequest) -> CreateSubmitted:
    return CreateSubmitted.rejected(
        cluster_exists_error(request.cluster_name, request.resource_group)
    )


def _read_or_raise(
    client: Any, request: ProvisionRequest, error: ClassifiedError, cause: Exception
) -> ExistingCluster | None:
    """Read the cluster after ARM refused our call; a failed read retries the whole step."""
    try:
        return read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # the orchestrator's retry policy tries the step again
        logger.info("could not read %s after a refusal: %s", request.cluster_name, exc)
        raise TransientArmFailure(error) from cause


def _accepted(
    repo: JobStateRepository | None,
    attempt: OperationInput,
    state: str,
    operation_url: str | None,
    *,
    now: datetime,
) -> CreateSubmitted:
    """ARM took the create: the cluster resource exists, so the portal link is shown."""
    _publish_waiting(
        repo, attempt, now=now, cluster_state=state, cluster_seen=True,
        portal_url=attempt.portal_url,
    )
    return CreateSubmitted(True, state, operation_url)


def poll_cluster(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> PollResult:
    """The wait step's loop body: read provisioningState, publish it, explain a failure."""
    request = attempt.request
    try:
        state = read_cluster_state(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # classified: a transient fault never ends the attempt
        error = classify_exception(exc, **_arm_context(request))
        if not is_transient(error):
            return PollResult(None, error=error)
        _publish(
            repo,
            attempt,
            lambda job: record_progress(
                job, now=now, step=ARM_NOT_ANSWERING_STEP, step_index=Phase.WAITING
            ),
        )
        return PollResult(None, unreachable=error)
    deleting = attempt.type == TaskType.AKS_DELETE
    if state is not None or not deleting:
        _publish_waiting(
            repo, attempt, now=now, cluster_state=state,
            cluster_seen=state is not None and not deleting,
        )
    if state != "Failed":
        return PollResult(state, gone=state is None)
    return PollResult(state, error=_cluster_failure(client, attempt))


def _cluster_failure(client: Any, attempt: OperationInput) -> ClassifiedError:
    """Why the cluster ended Failed: its async operation's error, or a generic failure."""
    if attempt.operation_url:
        return _operation_failure(client, attempt, attempt.request)
    return classify_arm_error(
        CLUSTER_FAILED_CODE, CLUSTER_FAILED_MESSAGE, status=None, **_arm_context(attempt.request)
    )


def _operation_failure(
    client: Any, attempt: OperationInput, request: ProvisionRequest
) -> ClassifiedError:
    """Why an accepted create failed: the async operation's error, classified."""
    try:
        _, code, message = read_operation_error(client, attempt.operation_url)
    except Exception as exc:  # fall back to a generic failure rather than lose the outcome
        logger.warning("could not read the failed operation of %s: %s", request.cluster_name, exc)
        code, message = CLUSTER_FAILED_CODE, CLUSTER_FAILED_MESSAGE
    return classify_arm_error(
        code or CLUSTER_FAILED_CODE,
        message or CLUSTER_FAILED_MESSAGE,
        status=None,
        **_arm_context(request),
    )


def abort_cluster_create(client: Any, attempt: OperationInput) -> AbortResult:
    """Cancel after the PUT: abort our own running create, then re-read what ARM says.

    The abort is best effort; the state read afterwards decides the outcome (a create
    that finished before the abort landed is recorded as succeeded, not cancelled).
    """
    request = attempt.request
    existing = _read_quietly(client, request)
    if existing is not None and not existing.made_by(attempt.task_id):
        logger.warning("not aborting %s: this attempt did not create it", request.cluster_name)
        return AbortResult(False, existing.provisioning_state)
    aborted = abort_cluster_operation(client, request.resource_group, request.cluster_name)
    after = _read_quietly(client, request)
    return AbortResult(aborted, after.provisioning_state if after else None)


def _read_quietly(client: Any, request: ProvisionRequest) -> ExistingCluster | None:
    """The cluster, or None when it is gone or ARM did not answer (logged)."""
    try:
        return read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # a hint only: the caller decides without it
        logger.info("could not read %s: %s", request.cluster_name, exc)
        return None


def submit_cluster_delete(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> DeleteSubmitted:
    """Delete step: delete the cluster only if it is the attempt's or the caller's."""
    started = _delete_if_ours(client, attempt, attempt.request)
    if isinstance(started, ClassifiedError):
        return DeleteSubmitted(False, False, started)
    _publish_waiting(repo, attempt, now=now, cluster_state="Deleting" if started else None)
    return DeleteSubmitted(started, not started)


def _delete_if_ours(
    client: Any, attempt: OperationInput, request: ProvisionRequest
) -> bool | ClassifiedError:
    """True: deleting; False: already gone; else why nothing was deleted.

    The delete is conditional on the etag just read, so a cluster that changed between
    the read and the delete is read and judged again (bounded), never deleted blind.
    """
    for _ in range(MAX_DELETE_ROUNDS):
        try:
            return _delete_once_if_ours(client, attempt, request)
        except Exception as exc:
            if is_precondition_failed(exc):
                continue  # it changed since we read it: read and judge again
            error = classify_exception(exc, **_arm_context(request))
            if is_transient(error):
                raise TransientArmFailure(error) from exc
            return error
    return cluster_changing_error(request.cluster_name, request.resource_group)


def _delete_once_if_ours(
    client: Any, attempt: OperationInput, request: ProvisionRequest
) -> bool | ClassifiedError:
    """Read the cluster and delete it on that etag, if the attempt or the caller owns it."""
    existing = read_cluster(client, request.resource_group, request.cluster_name)
    if existing is None:
        return False
    if not may_delete(existing, attempt.owner_id, attempt.target_task_id or ""):
        return cluster_not_ours_error(request.cluster_name, request.resource_group)
    return start_cluster_delete(
        client, request.resource_group, request.cluster_name, etag=existing.etag
    )


def finish_attempt(
    repo: JobStateRepository, attempt: OperationInput, outcome: OperationOutcome, *, now: datetime
) -> FinishResult:
    """Final step: store the terminal outcome (raises on storage faults so it is retried)."""
    repo.upsert_missing(job_from_orchestration_input(attempt))
    stored = repo.update(
        attempt.owner_id, attempt.task_id, lambda job: _finished(job, attempt, outcome, now)
    )
    if stored is None:
        return FinishResult(outcome.status)
    if stored.status == outcome.status:
        log_attempt_event("attempt_finished", stored)
    if stored.status == TaskStatus.SUCCEEDED:
        _resolve_after_success(repo, stored, attempt, now=now)
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
    repo.resolve_earlier_failures(
        job.owner_id,
        job.request.resource_group,
        job.request.cluster_name,
        job.task_id,
        job.task_id,
        now=now,
    )
