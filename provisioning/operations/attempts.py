"""What a user can ask of their attempts: accept, read, dismiss, delete a partial cluster.

Plain functions over a JobStateRepository; the HTTP layer only parses, authorizes and
shapes responses. Cancelling lives in operations.cancellation, starting an orchestration
(and what a failed start means) in operations.starts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from provisioning.clusters.ownership import CLUSTER_GONE, ExistingCluster, may_delete
from provisioning.errors.product import (
    orchestration_lost_error,
)
from provisioning.jobs.claims import HolderGone
from provisioning.jobs.events import log_attempt_event
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import record_outcome
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ProvisionRequest,
    TaskStatus,
    TaskType,
)
from provisioning.operations.messages import OperationInput
from provisioning.operations.registry import DELETE, PROVISION
from provisioning.portal_links import cluster_resource_id, portal_url_for
from provisioning.requests.validation import (
    RequestValidationError,
    retry_of_in,
    validate_provision_request,
)
from provisioning.utc import as_utc

logger = logging.getLogger(__name__)

# A request holding a key it has not yet turned into an attempt is waited for this long...
IDEMPOTENCY_WAIT_SECONDS = 3.0
IDEMPOTENCY_POLL_SECONDS = 0.05
# ...and a claim whose attempt was never written is taken over after this (its request died).
IDEMPOTENCY_CLAIM_GRACE = timedelta(minutes=2)


class TaskNotFound(LookupError):
    """No such task for this owner (or it belongs to someone else: never say which)."""


class OperationInProgress(Exception):
    """Another task of the product is active on this cluster (409 operation_in_progress).

    One conflict, one answer: a create, a cleanup and a lifecycle operation all meet it in
    accept_task, whichever of them holds the cluster.
    """

    def __init__(self, task_id: str) -> None:
        super().__init__(
            "Another operation is still running on this cluster; wait for it or stop it first."
        )
        self.task_id = task_id


class RetryNotAllowed(RequestValidationError):
    """`retry_of` names no failed or stopped create of the caller (400 naming `retry_of`)."""

    def __init__(self) -> None:
        super().__init__(
            "retry_of",
            "retry_of must be the task id of your own create that failed or was stopped",
        )


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was first sent with a different request (IETF draft: 422)."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"the idempotency key is bound to another request ({task_id})")
        self.task_id = task_id


class IdempotencyKeyInProgress(Exception):
    """Another request with this Idempotency-Key is still being accepted (IETF draft: 409)."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"a request with this idempotency key is still in progress ({task_id})")
        self.task_id = task_id


class NotCancellable(Exception):
    """A cluster deletion that already reached Azure cannot be stopped halfway."""


class NotDismissable(Exception):
    """Dismiss asked for an attempt that has not finished (its failure is not known yet)."""


class NotDeletable(Exception):
    """delete-cluster asked for an attempt that left no cluster behind (or is still active)."""


@dataclass(frozen=True)
class OrchestrationTiming:
    """Poll interval and deadline, read from settings by the caller (never by orchestrators)."""

    poll_seconds: int
    deadline_minutes: int


@dataclass(frozen=True)
class AcceptedAttempt:
    """An accepted attempt: the orchestration to start (unless it already existed)."""

    task_id: str
    already_existed: bool
    orchestration_input: OperationInput
    status: str = str(TaskStatus.QUEUED)
    # The Idempotency-Key bound to this attempt, released again if its start fails.
    idempotency_key: str | None = None


def orchestration_input(
    job: JobState, timing: OrchestrationTiming, portal_url: str
) -> OperationInput:
    """The input every operation's orchestration receives: everything it needs, nothing it reads."""
    return OperationInput(
        task_id=job.task_id,
        owner_id=job.owner_id,
        type=job.type,
        created_at=job.created_at,
        request=job.request,
        target_task_id=job.target_task_id,
        trigger=job.trigger,
        retry_of=job.retry_of,
        poll_seconds=timing.poll_seconds,
        deadline_minutes=timing.deadline_minutes,
        portal_url=portal_url,
    )


def portal_url_of(request: ProvisionRequest, tenant_id: str) -> str:
    """Deep link to the cluster in the Azure portal (valid once the resource exists)."""
    resource_id = cluster_resource_id(
        request.subscription_id, request.resource_group, request.cluster_name
    )
    return portal_url_for(resource_id, tenant_id)


def accept_provision(
    repo: JobStateRepository | None,
    owner_id: str,
    body: object,
    *,
    subscription_id: str,
    tenant_id: str,
    timing: OrchestrationTiming,
    idempotency_key: str | None,
    now: datetime,
    unique: str,
    holder_gone: HolderGone | None = None,
) -> AcceptedAttempt:
    """Validate, check `retry_of`, bind the key, then the one accept flow (accept_task).

    The key is bound before the slot so that two concurrent requests with one key make one
    attempt, and released again when the attempt is refused (409): a key only ever names an
    attempt that was accepted.
    """
    request = validate_provision_request(body, subscription_id)
    retry_of = retry_of_in(body)
    if retry_of is not None and repo is not None:
        _check_retry_of(repo, owner_id, retry_of)
    job = JobState.new(
        owner_id,
        new_task_id(now, unique),
        request,
        now=now,
        total_steps=PROVISION.steps.total,
        retry_of=retry_of,
    )
    if repo is not None and idempotency_key:
        fingerprint = request_fingerprint(request, retry_of)
        earlier = _bind_idempotency_key(
            repo, owner_id, idempotency_key, job.task_id, fingerprint, now=now
        )
        if earlier is not None:
            return _already_accepted(earlier, timing, tenant_id)
    portal_url = portal_url_of(request, tenant_id)
    return accept_task(
        repo,
        job,
        orchestration_input(job, timing, portal_url),
        idempotency_key=idempotency_key,
        storage_optional=True,
        now=now,
        holder_gone=holder_gone,
    )


def _check_retry_of(repo: JobStateRepository, owner_id: str, retry_of: str) -> None:
    """Edit & retry names the caller's own finished create that failed or was stopped."""
    retried = repo.get(owner_id, retry_of)  # another owner's task reads as None: same 400
    if (
        retried is None
        or retried.type != TaskType.AKS_PROVISION
        or retried.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED)
    ):
        raise RetryNotAllowed()


def accept_task(
    repo: JobStateRepository | None,
    job: JobState,
    attempt: OperationInput,
    *,
    idempotency_key: str | None = None,
    storage_optional: bool = False,
    now: datetime,
    holder_gone: HolderGone | None = None,
) -> AcceptedAttempt:
    """The one accept flow: claim the cluster for this task, write its queued row once.

    A cluster held by another active task refuses this one (409 operation_in_progress) and
    frees its Idempotency-Key; a holder whose workflow is gone (`holder_gone`, see
    operations.stale_claims) gives the claim up instead. A create may start while storage
    is down (its first activity writes the row, README "Reliability"); every other
    operation needs its claim.
    """
    request = job.request
    bound_key = idempotency_key
    if repo is None:
        if not storage_optional:
            raise StorageUnavailable("JobState is unavailable")
        logger.warning("JobState unavailable while accepting %s; starting anyway", job.task_id)
        bound_key = None
    else:
        try:
            holder = repo.claims.claim_active_slot(
                job.owner_id,
                request.resource_group,
                request.cluster_name,
                job.task_id,
                now=now,
                holder_gone=holder_gone,
            )
            if holder is not None:
                if idempotency_key:
                    release_idempotency_key(repo, job.owner_id, idempotency_key, job.task_id)
                raise OperationInProgress(holder)
            repo.insert_new(job)
        except StorageUnavailable:
            if not storage_optional:
                raise
            logger.warning("JobState unavailable while accepting %s; starting anyway", job.task_id)
    log_attempt_event("attempt_accepted", job)
    return AcceptedAttempt(job.task_id, False, attempt, idempotency_key=bound_key)


def _already_accepted(
    earlier: JobState, timing: OrchestrationTiming, tenant_id: str
) -> AcceptedAttempt:
    """The attempt an Idempotency-Key already names: answered again, never started twice."""
    portal_url = earlier.portal_url or portal_url_of(earlier.request, tenant_id)
    return AcceptedAttempt(
        earlier.task_id, True, orchestration_input(earlier, timing, portal_url), str(earlier.status)
    )


def request_fingerprint(request: ProvisionRequest, retry_of: str | None = None) -> str:
    """sha256 of the validated request as canonical JSON: what an Idempotency-Key promises."""
    canonical = json.dumps(
        {**request.to_dict(), "retry_of": retry_of},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def release_idempotency_key(
    repo: JobStateRepository, owner_id: str, key: str, task_id: str
) -> None:
    """Unbind a key from an attempt that was not accepted after all (refused or not started)."""
    try:
        repo.claims.release_idempotency_claim(owner_id, key, task_id)
    except StorageUnavailable:
        # The unwritten claim goes stale and is taken over after the grace period.
        logger.warning("could not release the idempotency key of %s", task_id)


def _bind_idempotency_key(
    repo: JobStateRepository,
    owner_id: str,
    key: str,
    task_id: str,
    fingerprint: str,
    *,
    now: datetime,
) -> JobState | None:
    """None when task_id now holds the key; the earlier accepted attempt when it already did.

    A claim whose attempt row is not written yet belongs to a request still in flight: wait
    for it (briefly) to be accepted or released rather than answer for an attempt that may
    never exist. A claim that stays unwritten past the grace period is taken over.
    """
    try:
        claim = repo.claims.claim_idempotency(owner_id, key, task_id, fingerprint, now=now)
    except StorageUnavailable:
        logger.warning("idempotency key not bound for %s: storage unavailable", task_id)
        return None
    deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
    while claim.task_id != task_id:
        earlier = repo.get(owner_id, claim.task_id)
        if earlier is not None:
            return _same_request_or_raise(earlier, claim.fingerprint, fingerprint)
        if not _claim_is_stale(claim.claimed_at, now):
            _wait_for_claim_holder(claim.task_id, deadline)
        elif repo.claims.take_over_idempotency_claim(
            owner_id, key, claim, task_id, fingerprint, now=now
        ):
            return None
        claim = repo.claims.claim_idempotency(owner_id, key, task_id, fingerprint, now=now)
    return None


def _same_request_or_raise(
    earlier: JobState, claimed_fingerprint: str | None, fingerprint: str
) -> JobState:
    """The earlier attempt a key names, if this request is the one the key was sent with."""
    if (claimed_fingerprint or request_fingerprint(earlier.request)) != fingerprint:
        raise IdempotencyKeyReused(earlier.task_id)
    return earlier


def _claim_is_stale(claimed_at: datetime | None, now: datetime) -> bool:
    """A claim whose attempt was never written past the grace period: its request died."""
    return claimed_at is None or now - claimed_at >= IDEMPOTENCY_CLAIM_GRACE


def _wait_for_claim_holder(holder_task_id: str, deadline: float) -> None:
    """Wait briefly for the request holding the key; past the deadline, 409 in progress."""
    if time.monotonic() >= deadline:
        raise IdempotencyKeyInProgress(holder_task_id)
    time.sleep(IDEMPOTENCY_POLL_SECONDS)


def get_task(repo: JobStateRepository, owner_id: str, task_id: str) -> JobState:
    """The caller's task, or TaskNotFound (also for another owner's task)."""
    job = repo.get(owner_id, task_id)
    if job is None:
        raise TaskNotFound(task_id)
    return job


def record_orchestration_lost(
    repo: JobStateRepository, owner_id: str, task_id: str, *, now: datetime
) -> JobState:
    """The attempt's orchestration ended or vanished without an outcome: fail it, free its slot.

    Without this, a terminated or lost orchestration leaves its row active for good and the
    cluster name blocked. The first outcome still wins if the orchestration raced us.
    """
    error = orchestration_lost_error()
    stored = repo.update(
        owner_id,
        task_id,
        lambda job: record_outcome(job, TaskStatus.FAILED, error, now=now, step="Failed"),
    )
    if stored is None:
        raise TaskNotFound(task_id)
    if stored.status == TaskStatus.FAILED and stored.error and stored.error.code == error.code:
        logger.warning("attempt %s lost its orchestration; recorded as failed", task_id)
        log_attempt_event("attempt_finished", stored)
    return stored


# Runtime statuses after which an orchestration will never write its outcome.
ENDED_RUNTIME_STATUSES = frozenset({"Completed", "Failed", "Terminated", "Canceled"})


def orchestration_is_gone(
    job: JobState, runtime_status: str | None, *, now: datetime, start_grace_seconds: float
) -> bool:
    """True when an active attempt's orchestration ended, or never existed past its start.

    A missing instance counts only once the accept step's start has had time to finish
    (it is created right after the row), so a read racing that start never fails it.
    """
    if job.status.is_terminal:
        return False
    if runtime_status in ENDED_RUNTIME_STATUSES:
        return True
    if runtime_status is None:
        return (now - as_utc(job.created_at)).total_seconds() > start_grace_seconds
    return False


def dismiss_attempt(
    repo: JobStateRepository, owner_id: str, task_id: str, *, now: datetime
) -> JobState:
    """Hide a finished failure on every device (idempotent); an active attempt is refused."""
    job = get_task(repo, owner_id, task_id)
    if not job.status.is_terminal:
        raise NotDismissable(
            f"the attempt is still {job.status}; only a finished attempt can be dismissed"
        )
    stored = repo.dismiss(owner_id, task_id, now)
    if stored is None:
        raise TaskNotFound(task_id)
    logger.info("attempt %s dismissed", task_id)
    return stored


ClusterReader = Callable[[ProvisionRequest], ExistingCluster | None]


def accept_cluster_delete(
    repo: JobStateRepository,
    owner_id: str,
    task_id: str,
    *,
    read_existing: ClusterReader,
    tenant_id: str,
    timing: OrchestrationTiming,
    now: datetime,
    unique: str,
    holder_gone: HolderGone | None = None,
) -> AcceptedAttempt:
    """Start cleanup of a partial cluster: only the one this unresolved attempt left behind.

    `read_existing` reads the cluster from ARM now. A cluster that is gone needs no
    cleanup: the failure is resolved at once. One that is neither this attempt's nor the
    caller's failed one is refused (the cleanup step checks again, with the etag).
    """
    original = get_task(repo, owner_id, task_id)
    _check_deletable(original)
    answered, existing = _read_for_delete(read_existing, original.request)
    if existing is not None and not may_delete(existing, owner_id, task_id):
        raise NotDeletable(
            f"the cluster '{original.request.cluster_name}' now in resource group "
            f"'{original.request.resource_group}' is not the one this attempt created, so it "
            "will not be deleted from here"
        )
    request = original.request
    job = JobState.new(
        owner_id,
        new_task_id(now, unique),
        request,
        now=now,
        task_type=TaskType.AKS_DELETE,
        total_steps=DELETE.steps.total,
        target_task_id=task_id,
    )
    portal_url = original.portal_url or portal_url_of(request, tenant_id)
    if answered and existing is None:
        return _finish_gone_delete(repo, job, timing, portal_url, now=now)
    attempt = orchestration_input(job, timing, portal_url)
    return accept_task(repo, job, attempt, now=now, holder_gone=holder_gone)


# Why an attempt has no partial cluster to delete: (applies to the attempt, the reason).
NOT_DELETABLE_RULES: tuple[tuple[Callable[[JobState], bool], Callable[[JobState], str]], ...] = (
    (
        lambda job: job.type != TaskType.AKS_PROVISION,
        lambda job: "only a cluster provisioning attempt can have a partial cluster",
    ),
    (
        lambda job: job.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED),
        lambda job: (
            f"the attempt is {job.status}; only a failed or cancelled attempt's "
            "partial cluster can be deleted here"
        ),
    ),
    (
        lambda job: not job.cluster_seen,
        lambda job: "the attempt never created a cluster resource, so there is nothing to delete",
    ),
    (
        lambda job: bool(job.resolved_by),
        lambda job: (
            "this failure is already resolved (a later attempt for the same cluster "
            "succeeded, or its cluster was deleted), so its cleanup would touch a cluster "
            "it no longer owns"
        ),
    ),
    (
        lambda job: job.dismissed_at is not None,
        lambda job: "this failure was dismissed; manage the cluster from the portal",
    ),
)


def _check_deletable(original: JobState) -> None:
    """Why an attempt has no partial cluster to delete (NotDeletable), if it has none."""
    for applies, reason in NOT_DELETABLE_RULES:
        if applies(original):
            raise NotDeletable(reason(original))


def _read_for_delete(
    read_existing: ClusterReader, request: ProvisionRequest
) -> tuple[bool, ExistingCluster | None]:
    """(ARM answered, the cluster now); when ARM is silent, the cleanup step decides later."""
    try:
        return True, read_existing(request)
    except Exception as exc:  # ARM unreachable: the delete step reads again, with retries
        logger.warning("could not read %s before its cleanup: %s", request.cluster_name, exc)
        return False, None


def _finish_gone_delete(
    repo: JobStateRepository,
    job: JobState,
    timing: OrchestrationTiming,
    portal_url: str,
    *,
    now: datetime,
) -> AcceptedAttempt:
    """The cluster is already gone: record the cleanup as done and resolve the failure."""
    done = replace(
        job,
        status=TaskStatus.SUCCEEDED,
        step=DELETE.steps.succeeded,
        step_index=job.total_steps,
        cluster_state="Deleted",
        updated_at=now,
    )
    repo.insert_new(done)
    if job.target_task_id:
        repo.resolve(job.owner_id, job.target_task_id, CLUSTER_GONE, now=now)
    log_attempt_event("attempt_finished", done)
    return AcceptedAttempt(
        job.task_id, True, orchestration_input(job, timing, portal_url), str(done.status)
    )
