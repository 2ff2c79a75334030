"""The create's own work: the conditional PUT and the abort after a cancel (architecture.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.clusters.arm_calls import (
    is_precondition_failed,
    read_cluster,
    start_cluster_create,
)
from provisioning.clusters.ownership import (
    CreateDecision,
    ExistingCluster,
    decide_on_existing,
    product_tags,
)
from provisioning.errors.classify import classify_exception, is_transient
from provisioning.errors.product import cluster_exists_error
from provisioning.jobs.repository import JobStateRepository
from provisioning.models import ClassifiedError, ProvisionRequest
from provisioning.operations.messages import AbortResult, CreateSubmitted, OperationInput
from provisioning.operations.shared_work import (
    TransientArmFailure,
    abort_own_operation,
    arm_context,
    publish_waiting,
)

logger = logging.getLogger(__name__)

MAX_CREATE_ROUNDS = 3


def submit_cluster_create(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> CreateSubmitted:
    """Step 2: the conditional PUT. Terminal errors return classified; transient raise.

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
    error = classify_exception(exc, **arm_context(request))
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
    publish_waiting(
        repo,
        attempt,
        now=now,
        cluster_state=state,
        cluster_seen=True,
        portal_url=attempt.portal_url,
    )
    return CreateSubmitted(state, operation_url)


def abort_cluster_create(client: Any, attempt: OperationInput) -> AbortResult:
    """Cancel after the PUT: abort our own running create, then re-read what ARM says.

    The state read afterwards decides the outcome (a create that finished before the abort
    landed is recorded as succeeded, not cancelled); a cluster this attempt did not create
    is never aborted.
    """
    return abort_own_operation(client, attempt, lambda existing: existing.made_by(attempt.task_id))
