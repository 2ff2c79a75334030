"""No claim outlives its workflow: how a new operation (or the clusters list) judges a holder.

A cluster's slot (jobs.claims) names the task that holds it. A host that dies while it
accepts can leave a claim with no row, or a `queued` row whose orchestration was never
created; nothing would ever finish them, and the cluster would answer 409 until someone
happened to read the holder task. So whoever meets such a holder checks it:

- within the accept window of its claim (the time an accept may still take: storage
  writes plus the durable start) it counts as active: its request may still be running;
- after that, if the workflow engine says the holder's orchestration does not exist (or
  ended without an outcome), the holder is gone: an active row is recorded failed
  (OrchestrationLost) and the caller takes the claim in the same request;
- if the engine cannot say, the holder counts as active (never take a live operation's claim).

One rule serves provision slots and lifecycle claims: both go through the same claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from provisioning.jobs.claims import HolderGone
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.operations.attempts import ENDED_RUNTIME_STATUSES, record_orchestration_lost
from provisioning.utc import as_utc

logger = logging.getLogger(__name__)

# A task's orchestration runtime status ("Running", "Completed", ...), None when the engine
# has no such instance; raises when the engine cannot be asked.
RuntimeStatus = Callable[[str], str | None]


@dataclass(frozen=True)
class WorkflowCheck:
    """How to ask whether a task's workflow exists, and how long an accept may take."""

    runtime_status: RuntimeStatus
    accept_window: timedelta


def workflow_missing(
    check: WorkflowCheck, task_id: str, since: datetime | None, now: datetime
) -> bool:
    """True when the task's orchestration does not exist (or ended) past its accept window."""
    if since is not None and now - as_utc(since) < check.accept_window:
        return False  # its accept may still be running
    try:
        runtime = check.runtime_status(task_id)
    except Exception as exc:  # the engine cannot say: count the holder as active
        logger.warning("could not ask the workflow engine about %s: %s", task_id, exc)
        return False
    return runtime is None or runtime in ENDED_RUNTIME_STATUSES


def stale_holder_check(
    repo: JobStateRepository, owner_id: str, check: WorkflowCheck, *, now: datetime
) -> HolderGone:
    """The claims' holder check for one request: True (after recording it) when it is gone."""

    def gone(holder: str, claimed_at: datetime | None) -> bool:
        if not workflow_missing(check, holder, claimed_at, now):
            return False
        job = repo.get(owner_id, holder)
        if job is None:
            logger.warning("claim of %s has no row and no workflow: taking it", holder)
            return True
        if not job.status.is_terminal:
            job = record_orchestration_lost(repo, owner_id, holder, now=now)
        # The first outcome wins: an orchestration that finished meanwhile stays as it ended.
        return job.status.is_terminal

    return gone


def still_active(
    repo: JobStateRepository, job: JobState, check: WorkflowCheck, *, now: datetime
) -> JobState:
    """An active task as it really is: recorded failed if its workflow is gone (for the list)."""
    if job.status.is_terminal or not workflow_missing(check, job.task_id, job.created_at, now):
        return job
    return record_orchestration_lost(repo, job.owner_id, job.task_id, now=now)
