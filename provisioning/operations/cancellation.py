"""Cancelling an attempt: what to record, whether to tell its orchestration, what to answer.

The HTTP layer only delivers the cancel event; every decision about the answer is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.errors.product import cancelled_error
from provisioning.jobs.events import log_attempt_event
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import record_outcome
from provisioning.jobs.state import JobState
from provisioning.models import TaskStatus
from provisioning.operations.attempts import NotCancellable, get_task, record_orchestration_lost
from provisioning.operations.registry import spec_for

CANCELLING = "cancelling"


@dataclass(frozen=True)
class CancelDecision:
    """What cancel answers; a running attempt's orchestration is told to stop."""

    task_id: str
    status: str
    was_running: bool

    @property
    def signal_orchestration(self) -> bool:
        """Only a running (or just-cancelled queued) attempt has an orchestration to stop."""
        return self.was_running

    def to_dict(self) -> dict[str, Any]:
        """The cancel answer's body (README)."""
        return {"task_id": self.task_id, "status": self.status, "was_running": self.was_running}


def finished_answer(job: JobState) -> CancelDecision:
    """A finished attempt: cancel is a no-op that reports its status."""
    return CancelDecision(job.task_id, str(job.status), False)


def cancel_attempt(
    repo: JobStateRepository, owner_id: str, task_id: str, *, now: datetime
) -> CancelDecision:
    """Queued: cancel at once (nothing reached Azure). Running: signal. Finished: report."""
    job = get_task(repo, owner_id, task_id)
    if job.status.is_terminal:
        return finished_answer(job)
    spec = spec_for(job.type)
    if not spec.cancellable and job.status == TaskStatus.RUNNING:
        what = spec.noun or f"cluster {spec.verb}"
        raise NotCancellable(f"a {what} that has started cannot be stopped")
    if job.status == TaskStatus.QUEUED:
        _cancel_while_queued(repo, owner_id, task_id, now=now)
    # Even a cancelled queued attempt's orchestration is told, so it stops before Azure.
    return CancelDecision(task_id, CANCELLING, True)


def _cancel_while_queued(
    repo: JobStateRepository, owner_id: str, task_id: str, *, now: datetime
) -> None:
    """Record the cancel at once, unless the attempt started running meanwhile."""
    stored = repo.update(
        owner_id,
        task_id,
        lambda current: (
            record_outcome(
                current,
                TaskStatus.CANCELLED,
                cancelled_error(current.cluster_seen, current.portal_url),
                now=now,
                step="Cancelled",
            )
            if current.status == TaskStatus.QUEUED
            else None
        ),
    )
    if stored is not None and stored.status == TaskStatus.CANCELLED:
        log_attempt_event("attempt_finished", stored)


def cancel_lost_attempt(
    repo: JobStateRepository, owner_id: str, task_id: str, *, now: datetime
) -> CancelDecision:
    """The attempt's orchestration is gone: record it as failed and report that status."""
    return finished_answer(record_orchestration_lost(repo, owner_id, task_id, now=now))


def cancel_not_delivered(
    repo: JobStateRepository, owner_id: str, decision: CancelDecision
) -> CancelDecision:
    """The engine refused the cancel event (finished or never started meanwhile): re-read.

    A task that finished meanwhile reports its status; otherwise the cancel stands.
    """
    job = get_task(repo, owner_id, decision.task_id)
    return finished_answer(job) if job.status.is_terminal else decision
