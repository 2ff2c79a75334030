"""Idempotency-Key: one attempt per key, the same answer again, a key never bound to a refusal.

A key is bound to a task before that task's accept (operations.attempts.accept_provision);
a request that reuses a key with another body is refused, and a key held by a request that
died is taken over after a grace period. README "API" describes the header.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta

from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable
from provisioning.models import ProvisionRequest

logger = logging.getLogger(__name__)

# A request holding a key it has not yet turned into an attempt is waited for this long...
IDEMPOTENCY_WAIT_SECONDS = 3.0
IDEMPOTENCY_POLL_SECONDS = 0.05
# ...and a claim whose attempt was never written is taken over after this (its request died).
IDEMPOTENCY_CLAIM_GRACE = timedelta(minutes=2)


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


def bind_idempotency_key(
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
