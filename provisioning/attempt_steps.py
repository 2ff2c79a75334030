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
from provisioning.clusters import (
    abort_cluster_operation,
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


def submit_cluster_create(
    repo: JobStateRepository | None, client: Any, attempt: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Step 2: PUT the cluster. Terminal errors return classified; transient ones raise."""
    request = ProvisionRequest.from_dict(attempt["request"])
    try:
        accepted = start_cluster_create(client, request)
    except Exception as exc:  # every ARM fault is classified, never swallowed
        error = classify_exception(exc, **_arm_context(request))
        if is_transient(error):
            # A re-run of this step after a crash finds its own create in progress.
            existing = _safe_state(client, request)
            if existing is not None:
                return _accepted(repo, attempt, existing, None, now=now)
            raise TransientArmFailure(error) from exc
        logger.info("create of %s rejected: %s", request.cluster_name, error.code)
        return {"accepted": False, "cluster_state": None, "error": error.to_dict()}
    return _accepted(
        repo, attempt, accepted.provisioning_state or "Creating", accepted.operation_url, now=now
    )


def _safe_state(client: Any, request: ProvisionRequest) -> str | None:
    try:
        return read_cluster_state(client, request.resource_group, request.cluster_name)
    except Exception:  # only a hint; the caller raises the original transient error
        logger.info("could not read %s after a transient error", request.cluster_name)
        return None


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
    try:
        state = read_cluster_state(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # classified: transient retried by the orchestrator
        error = classify_exception(exc, **_arm_context(request))
        if is_transient(error):
            raise TransientArmFailure(error) from exc
        return {"cluster_state": None, "gone": False, "error": error.to_dict()}
    steps, _ = _steps(attempt)
    step_index = 3  # "Creating cluster" / "Waiting for deletion", as in the custom status
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
    """Cancel after the PUT: ask ARM to abort the running create (best effort)."""
    request = ProvisionRequest.from_dict(attempt["request"])
    aborted = abort_cluster_operation(client, request.resource_group, request.cluster_name)
    return {"aborted": aborted}


def submit_cluster_delete(
    repo: JobStateRepository | None, client: Any, attempt: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Delete step: start deleting the partial cluster (already gone counts as done)."""
    request = ProvisionRequest.from_dict(attempt["request"])
    try:
        deleting = start_cluster_delete(client, request.resource_group, request.cluster_name)
    except Exception as exc:
        error = classify_exception(exc, **_arm_context(request))
        if is_transient(error):
            raise TransientArmFailure(error) from exc
        return {"deleting": False, "gone": False, "error": error.to_dict()}
    steps, _ = _steps(attempt)
    _publish(
        repo,
        attempt,
        lambda job: record_progress(job, now=now, step=steps[3], step_index=3,
                                    cluster_state="Deleting" if deleting else None),
    )
    return {"deleting": deleting, "gone": not deleting, "error": None}


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
