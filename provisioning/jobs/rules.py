"""Status rules of an attempt: pure functions the repository applies under ETag concurrency.

Each returns the changed JobState, or None when the rules refuse the change (the row is then
left alone): terminal statuses are final, and the first outcome, dismissal or resolution wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from provisioning.errors.text import MAX_ERROR_MESSAGE_BYTES, cap_message
from provisioning.jobs.state import JobState
from provisioning.models import TERMINAL_STATUSES, ClassifiedError, TaskStatus

_EVERY_STATUS = frozenset(TaskStatus)

# Where each status may go. An active attempt never goes back to queued; terminal is final.
NEXT_STATUSES: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.QUEUED: _EVERY_STATUS,
    TaskStatus.RUNNING: _EVERY_STATUS - {TaskStatus.QUEUED},
    **{terminal: frozenset() for terminal in TERMINAL_STATUSES},
}


def can_transition(current: TaskStatus, new: TaskStatus) -> bool:
    """True when NEXT_STATUSES lets `current` become `new`."""
    return new in NEXT_STATUSES[current]


def transition(job: JobState, new_status: TaskStatus, *, now: datetime) -> JobState | None:
    """The job in `new_status`, or None when the rules refuse (e.g. terminal -> anything)."""
    if not can_transition(job.status, new_status):
        return None
    return replace(job, status=new_status, updated_at=now)


def _with_given(job: JobState, *, cluster_seen: bool = False, **given: Any) -> JobState:
    """The job with every given (not None) field replaced; cluster_seen never turns false."""
    kept = {name: value for name, value in given.items() if value is not None}
    return replace(job, cluster_seen=job.cluster_seen or cluster_seen, **kept)


def mark_running(job: JobState, *, now: datetime, step: str | None = None) -> JobState | None:
    """queued -> running; None when it is already running or finished."""
    if job.status != TaskStatus.QUEUED:
        return None
    moved = transition(job, TaskStatus.RUNNING, now=now)
    return _with_given(moved, step=step or None) if moved is not None else None


def record_progress(
    job: JobState,
    *,
    now: datetime,
    step: str | None = None,
    step_index: int | None = None,
    total_steps: int | None = None,
    cluster_state: str | None = None,
    cluster_seen: bool = False,
    portal_url: str | None = None,
) -> JobState | None:
    """Publish live progress; None once the attempt is terminal (a late update is a no-op)."""
    moved = transition(job, TaskStatus.RUNNING, now=now)
    if moved is None:
        return None
    return _with_given(
        moved,
        step=step,
        step_index=step_index,
        total_steps=total_steps,
        cluster_state=cluster_state,
        cluster_seen=cluster_seen,
        portal_url=portal_url,
    )


def record_outcome(
    job: JobState,
    status: TaskStatus,
    error: ClassifiedError | None,
    *,
    now: datetime,
    step: str | None = None,
    cluster_state: str | None = None,
    cluster_seen: bool = False,
    portal_url: str | None = None,
    warning: ClassifiedError | None = None,
) -> JobState | None:
    """Finish the attempt; None when it already finished (the first outcome wins).

    A `warning` is what a success left undone (e.g. access that could not be granted).
    """
    if not status.is_terminal:
        raise ValueError(f"record_outcome needs a terminal status, got {status}")
    moved = transition(job, status, now=now)
    if moved is None:
        return None
    return _with_given(
        replace(moved, error=_capped(error), warning=_capped(warning)),
        step=step,
        cluster_state=cluster_state,
        cluster_seen=cluster_seen,
        portal_url=portal_url,
    )


def _capped(error: ClassifiedError | None) -> ClassifiedError | None:
    """Stored error messages are capped at 4 KiB (docs/reliability.md)."""
    if error is None or len(error.message.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES:
        return error
    return replace(error, message=cap_message(error.message))


def dismiss(job: JobState, *, now: datetime) -> JobState | None:
    """Hide a failure everywhere; None when it was already dismissed."""
    if job.dismissed_at is not None:
        return None
    return replace(job, dismissed_at=now, updated_at=now)


def resolve(job: JobState, resolved_by: str, *, now: datetime) -> JobState | None:
    """Record the attempt that made this failure moot; None when already resolved."""
    if job.resolved_by:
        return None
    return replace(job, resolved_by=resolved_by, updated_at=now)
