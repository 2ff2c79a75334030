"""The steps an orchestration runs, as plain functions over injected clients (activities wrap them).

Every step is idempotent (activities run at least once) and records progress in
JobState best-effort: a storage fault never fails a step that reached Azure, and
the terminal outcome is retried until it is stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from provisioning.arm_errors import classify_arm_error, classify_exception, is_transient
from provisioning.attempt_log import log_attempt_event
from provisioning.attempts import DELETE_STEPS, PROVISION_STEPS, job_from_orchestration_input
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
from provisioning.jobstate import JobState
from provisioning.jobstate_repository import JobStateRepository
from provisioning.jobstate_rules import mark_running, record_outcome, record_progress
from provisioning.models import (
    ClassifiedError,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)
from provisioning.product_errors import (
    ARM_NOT_ANSWERING_STEP,
    cluster_changing_error,
    cluster_exists_error,
    cluster_not_ours_error,
)
from provisioning.table_clients import StorageUnavailable

logger = logging.getLogger(__name__)

TRANSIENT_MARKER = "TransientArmFailure:"
TERMINAL_CLUSTER_STATES = frozenset({"Succeeded", "Failed", "Canceled"})


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


def _steps(attempt: dict[str, Any]) -> tuple[tuple[str, ...], int]:
    steps = DELETE_STEPS if attempt.get("type") == TaskType.AKS_DELETE else PROVISION_STEPS
    return steps, len(steps) - 1


def _publish(
    repo: JobStateRepository | None, attempt: dict[str, Any], mutate: Any
) -> JobState | None:
    """Best-effort JobState write: progress is also in the orchestration's custom status."""
    if repo is None:
        return None
    try:
        return repo.update(attempt["owner_id"], attempt["task_id"], mutate)
    except StorageUnavailable:
        logger.warning("progress of %s not stored (storage unavailable)", attempt["task_id"])
        return None


def _running(job: JobState, steps: tuple[str, ...], now: datetime) -> JobState | None:
    moved = mark_running(job, now=now, step=steps[1])
    return None if moved is None else replace(moved, step_index=1)


def begin_attempt(
    repo: JobStateRepository | None, attempt: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Step 1: make sure the row exists, mark it running; stop if it was cancelled while queued."""
    steps, _ = _steps(attempt)
    if repo is None:
        return {"proceed": True, "status": str(TaskStatus.RUNNING)}
    try:
        repo.upsert_missing(job_from_orchestration_input(attempt))
        stored = repo.update(
            attempt["owner_id"], attempt["task_id"], lambda job: _running(job, steps, now)
        )
    except StorageUnavailable:
        logger.warning("could not mark %s running (storage unavailable)", attempt["task_id"])
        return {"proceed": True, "status": str(TaskStatus.RUNNING)}
    status = stored.status if stored is not None else TaskStatus.RUNNING
    return {"proceed": not status.is_terminal, "status": str(status)}


MAX_CREATE_ROUNDS = 3
MAX_DELETE_ROUNDS = 3


def submit_cluster_create(
    repo: JobStateRepository | None, client: Any, attempt: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Step 2: conditional PUT (DESIGN §5). Terminal errors return classified; transient raise.

    The PUT only creates. When the name is taken (412), or ARM says an operation is in
    progress, the existing cluster decides: our own create carries on, the caller's own
    Failed/Canceled cluster is replaced with If-Match, anything else is refused untouched.
    """
    request = ProvisionRequest.from_dict(attempt["request"])
    owner_id, task_id = attempt["owner_id"], attempt["task_id"]
    tags = product_tags(owner_id, task_id)
    etag: str | None = None
    for _ in range(MAX_CREATE_ROUNDS):
        try:
            accepted = start_cluster_create(client, request, tags, etag=etag)
        except Exception as exc:  # every ARM fault is classified, never swallowed
            error = classify_exception(exc, **_arm_context(request))
            refused = is_precondition_failed(exc)
            if not refused and not is_transient(error):
                logger.info("create of %s rejected: %s", request.cluster_name, error.code)
                return _rejected(error)
            existing = _read_or_raise(client, request, error, exc)
            if existing is None:
                if refused:  # deleted between our PUT and our read: try a plain create again
                    etag = None
                    continue
                raise TransientArmFailure(error) from exc
            decision = decide_on_existing(existing, owner_id, task_id)
            if decision is CreateDecision.CARRY_ON:
                state = existing.provisioning_state or "Creating"
                return _accepted(repo, attempt, state, None, now=now)
            if decision is CreateDecision.RETRY_OWN and refused:
                etag = existing.etag  # a concurrent change makes this 412 again: decide anew
                continue
            if decision is CreateDecision.RETRY_OWN:  # own failed cluster, still busy
                raise TransientArmFailure(error) from exc
            logger.info("create of %s refused: the name is taken", request.cluster_name)
            return _rejected(cluster_exists_error(request.cluster_name, request.resource_group))
        return _accepted(
            repo, attempt, accepted.provisioning_state or "Creating", accepted.operation_url,
            now=now,
        )
    return _rejected(cluster_exists_error(request.cluster_name, request.resource_group))


def _rejected(error: ClassifiedError) -> dict[str, Any]:
    return {"accepted": False, "cluster_state": None, "error": error.to_dict()}


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
    attempt: dict[str, Any],
    state: str,
    operation_url: str | None,
    *,
    now: datetime,
) -> dict[str, Any]:
    steps, total = _steps(attempt)
    _publish(
        repo,
        attempt,
        lambda job: record_progress(
            job,
            now=now,
            step=steps[3],
            step_index=3,
            cluster_state=state,
            cluster_seen=True,
            portal_url=attempt["portal_url"],
        ),
    )
    return {
        "accepted": True,
        "cluster_state": state,
        "operation_url": operation_url,
        "error": None,
    }


def poll_cluster(
    repo: JobStateRepository | None, client: Any, attempt: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Step 3/4 loop body: read provisioningState, publish it, explain a failure."""
    request = ProvisionRequest.from_dict(attempt["request"])
    deleting = attempt.get("type") == TaskType.AKS_DELETE
    step_index = 3  # "Creating cluster" / "Waiting for deletion", as in the custom status
    try:
        state = read_cluster_state(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # classified: a transient fault never ends the attempt
        error = classify_exception(exc, **_arm_context(request))
        if is_transient(error):
            _publish(
                repo,
                attempt,
                lambda job: record_progress(
                    job, now=now, step=ARM_NOT_ANSWERING_STEP, step_index=step_index
                ),
            )
            return {"cluster_state": None, "gone": False, "error": None,
                    "unreachable": error.to_dict()}
        return {"cluster_state": None, "gone": False, "error": error.to_dict()}
    steps, _ = _steps(attempt)
    if state is not None or not deleting:
        _publish(
            repo,
            attempt,
            lambda job: record_progress(
                job,
                now=now,
                step=steps[step_index],
                step_index=step_index,
                cluster_state=state,
                cluster_seen=state is not None and not deleting,
            ),
        )
    result: dict[str, Any] = {"cluster_state": state, "gone": state is None, "error": None}
    if state == "Failed" and attempt.get("operation_url"):
        result["error"] = _operation_failure(client, attempt, request).to_dict()
    elif state == "Failed":
        result["error"] = classify_arm_error(
            "ProvisioningFailed",
            "The cluster ended in the Failed state.",
            status=None,
            **_arm_context(request),
        ).to_dict()
    return result


def _operation_failure(
    client: Any, attempt: dict[str, Any], request: ProvisionRequest
) -> ClassifiedError:
    """Why an accepted create failed: the async operation's error, classified."""
    try:
        _, code, message = read_operation_error(client, attempt["operation_url"])
    except Exception as exc:  # fall back to a generic failure rather than lose the outcome
        logger.warning("could not read the failed operation of %s: %s", request.cluster_name, exc)
        code, message = "ProvisioningFailed", "The cluster ended in the Failed state."
    return classify_arm_error(
        code or "ProvisioningFailed",
        message or "The cluster ended in the Failed state.",
        status=None,
        **_arm_context(request),
    )


def abort_cluster_create(client: Any, attempt: dict[str, Any]) -> dict[str, Any]:
    """Cancel after the PUT: abort our own running create, then re-read what ARM says.

    The abort is best effort; the state read afterwards decides the outcome (a create
    that finished before the abort landed is recorded as succeeded, not cancelled).
    """
    request = ProvisionRequest.from_dict(attempt["request"])
    existing = _read_quietly(client, request)
    if existing is not None and not existing.made_by(attempt["task_id"]):
        logger.warning("not aborting %s: this attempt did not create it", request.cluster_name)
        return {"aborted": False, "cluster_state": existing.provisioning_state}
    aborted = abort_cluster_operation(client, request.resource_group, request.cluster_name)
    after = _read_quietly(client, request)
    return {"aborted": aborted, "cluster_state": after.provisioning_state if after else None}


def _read_quietly(client: Any, request: ProvisionRequest) -> ExistingCluster | None:
    """The cluster, or None when it is gone or ARM did not answer (logged)."""
    try:
        return read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # a hint only: the caller decides without it
        logger.info("could not read %s: %s", request.cluster_name, exc)
        return None


def submit_cluster_delete(
    repo: JobStateRepository | None, client: Any, attempt: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Delete step: delete the cluster only if it is the attempt's or the caller's."""
    request = ProvisionRequest.from_dict(attempt["request"])
    started = _delete_if_ours(client, attempt, request)
    if isinstance(started, ClassifiedError):
        return {"deleting": False, "gone": False, "error": started.to_dict()}
    steps, _ = _steps(attempt)
    _publish(
        repo,
        attempt,
        lambda job: record_progress(job, now=now, step=steps[3], step_index=3,
                                    cluster_state="Deleting" if started else None),
    )
    return {"deleting": started, "gone": not started, "error": None}


def _delete_if_ours(
    client: Any, attempt: dict[str, Any], request: ProvisionRequest
) -> bool | ClassifiedError:
    """True: deleting; False: already gone; else why nothing was deleted.

    The delete is conditional on the etag just read, so a cluster that changed between
    the read and the delete is read and judged again (bounded), never deleted blind.
    """
    for _ in range(MAX_DELETE_ROUNDS):
        try:
            existing = read_cluster(client, request.resource_group, request.cluster_name)
            if existing is None:
                return False
            if not may_delete(existing, attempt["owner_id"], attempt.get("target_task_id") or ""):
                return cluster_not_ours_error(request.cluster_name, request.resource_group)
            return start_cluster_delete(
                client, request.resource_group, request.cluster_name, etag=existing.etag
            )
        except Exception as exc:
            if is_precondition_failed(exc):
                continue
            error = classify_exception(exc, **_arm_context(request))
            if is_transient(error):
                raise TransientArmFailure(error) from exc
            return error
    return cluster_changing_error(request.cluster_name, request.resource_group)


def finish_attempt(
    repo: JobStateRepository, attempt: dict[str, Any], outcome: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Final step: store the terminal outcome (raises on storage faults so it is retried)."""
    status = TaskStatus(outcome["status"])
    error = ClassifiedError.from_dict(outcome["error"]) if outcome.get("error") else None
    steps, total = _steps(attempt)
    repo.upsert_missing(job_from_orchestration_input(attempt))

    def finished(job: JobState) -> JobState | None:
        moved = record_outcome(
            job,
            status,
            error,
            now=now,
            step=outcome.get("step") or steps[total],
            cluster_state=outcome.get("cluster_state"),
            cluster_seen=bool(outcome.get("cluster_seen")),
            portal_url=attempt["portal_url"] if outcome.get("cluster_seen") else None,
        )
        if moved is None or status != TaskStatus.SUCCEEDED:
            return moved
        return replace(moved, step_index=total)

    stored = repo.update(attempt["owner_id"], attempt["task_id"], finished)
    if stored is None:
        return {"status": str(status)}
    if stored.status == status:
        log_attempt_event("attempt_finished", stored)
    if stored.status == TaskStatus.SUCCEEDED:
        _resolve_after_success(repo, stored, attempt, now=now)
    return {"status": str(stored.status)}


def _resolve_after_success(
    repo: JobStateRepository, job: JobState, attempt: dict[str, Any], *, now: datetime
) -> None:
    """A success makes earlier failures for the same cluster moot (and a delete, its target)."""
    if job.type == TaskType.AKS_DELETE and attempt.get("target_task_id"):
        repo.resolve(job.owner_id, attempt["target_task_id"], job.task_id, now=now)
        return
    repo.resolve_earlier_failures(
        job.owner_id,
        job.request.resource_group,
        job.request.cluster_name,
        job.task_id,
        job.task_id,
        now=now,
    )
