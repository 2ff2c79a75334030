"""Status rules: terminal is final, first outcome / dismissal / resolution wins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from provisioning.errors.text import MAX_ERROR_MESSAGE_BYTES
from provisioning.jobs.rules import (
    NEXT_STATUSES,
    can_transition,
    dismiss,
    mark_running,
    record_outcome,
    record_progress,
    resolve,
    transition,
)
from provisioning.models import ClassifiedError, ErrorCategory, TaskStatus
from tests.unit.test_jobstate import NOW, QUOTA_ERROR, make_job


def test_queued_job_is_marked_running() -> None:
    running = mark_running(make_job(), now=NOW + timedelta(seconds=1), step="create")
    assert running is not None
    assert running.status == TaskStatus.RUNNING and running.step == "create"
    assert running.updated_at == NOW + timedelta(seconds=1)


@pytest.mark.parametrize(
    "status", [TaskStatus.RUNNING, TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED]
)
def test_mark_running_is_a_no_op_unless_queued(status: TaskStatus) -> None:
    assert mark_running(make_job(status), now=NOW) is None


TERMINALS = [TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED]


@pytest.mark.parametrize("terminal", TERMINALS)
@pytest.mark.parametrize("new", list(TaskStatus))
def test_terminal_status_never_changes(terminal: TaskStatus, new: TaskStatus) -> None:
    assert transition(make_job(terminal), new, now=NOW) is None


def test_running_never_goes_back_to_queued() -> None:
    assert transition(make_job(TaskStatus.RUNNING), TaskStatus.QUEUED, now=NOW) is None


def test_progress_keeps_cluster_seen_once_true_and_fills_only_given_fields() -> None:
    job = make_job(TaskStatus.RUNNING, cluster_seen=True, portal_url="https://p")
    moved = record_progress(job, now=NOW, step="poll", step_index=3, cluster_state="Creating")
    assert moved is not None
    assert moved.cluster_seen is True and moved.portal_url == "https://p"
    assert (moved.step, moved.step_index, moved.total_steps) == ("poll", 3, 4)
    assert moved.cluster_state == "Creating"


def test_late_progress_after_cancel_is_a_no_op() -> None:
    assert record_progress(make_job(TaskStatus.CANCELLED), now=NOW, step="poll") is None


def test_outcome_records_error_and_cluster_details() -> None:
    done = record_outcome(
        make_job(TaskStatus.RUNNING),
        TaskStatus.CANCELLED,
        None,
        now=NOW,
        cluster_seen=True,
        portal_url="https://portal",
    )
    assert done is not None
    assert done.status == TaskStatus.CANCELLED and done.cluster_seen and done.error is None
    assert done.portal_url == "https://portal"


def test_first_outcome_wins() -> None:
    failed = record_outcome(make_job(TaskStatus.RUNNING), TaskStatus.FAILED, QUOTA_ERROR, now=NOW)
    assert failed is not None
    assert record_outcome(failed, TaskStatus.SUCCEEDED, None, now=NOW) is None


def test_outcome_needs_a_terminal_status() -> None:
    with pytest.raises(ValueError):
        record_outcome(make_job(), TaskStatus.RUNNING, None, now=NOW)


def test_outcome_caps_long_error_messages() -> None:
    long_error = ClassifiedError("X", ErrorCategory.UNKNOWN, "é" * 5000, retryable=False)
    done = record_outcome(make_job(), TaskStatus.FAILED, long_error, now=NOW)
    assert done is not None and done.error is not None
    assert len(done.error.message.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES


def test_dismiss_and_resolve_are_first_write_wins() -> None:
    failed = make_job(TaskStatus.FAILED, error=QUOTA_ERROR)
    dismissed = dismiss(failed, now=NOW)
    assert dismissed is not None and dismissed.is_resolved
    assert dismiss(dismissed, now=NOW + timedelta(hours=1)) is None
    resolved = resolve(failed, "later-task", now=NOW)
    assert resolved is not None and resolved.resolved_by == "later-task" and resolved.is_resolved
    assert resolve(resolved, "another", now=NOW) is None


def test_every_status_has_a_row_in_the_transition_table() -> None:
    assert set(NEXT_STATUSES) == set(TaskStatus)


@pytest.mark.parametrize("status", list(TaskStatus))
def test_active_statuses_may_finish_and_terminal_ones_may_not(status: TaskStatus) -> None:
    assert can_transition(status, TaskStatus.FAILED) is not status.is_terminal


def test_queued_may_stay_queued_and_running_may_stay_running() -> None:
    assert can_transition(TaskStatus.QUEUED, TaskStatus.QUEUED)
    assert can_transition(TaskStatus.RUNNING, TaskStatus.RUNNING)


def test_mark_running_without_a_step_keeps_the_queued_step() -> None:
    running = mark_running(make_job(), now=NOW)
    assert running is not None and running.step == "Queued"


def test_progress_of_a_queued_job_marks_it_running() -> None:
    moved = record_progress(make_job(), now=NOW + timedelta(seconds=2), step="Creating cluster")
    assert moved is not None and moved.status == TaskStatus.RUNNING
    assert moved.updated_at == NOW + timedelta(seconds=2)


def test_outcome_keeps_an_earlier_cluster_state_when_none_is_given() -> None:
    job = make_job(TaskStatus.RUNNING, cluster_state="Creating", cluster_seen=True)
    done = record_outcome(job, TaskStatus.FAILED, QUOTA_ERROR, now=NOW, step="Failed")
    assert done is not None
    assert (done.cluster_state, done.cluster_seen, done.step) == ("Creating", True, "Failed")


def test_short_error_messages_are_kept_as_they_are() -> None:
    error = ClassifiedError("X", ErrorCategory.UNKNOWN, "é" * 10, retryable=False)
    done = record_outcome(make_job(), TaskStatus.FAILED, error, now=NOW)
    assert done is not None and done.error == error
    assert len("é" * 10) < MAX_ERROR_MESSAGE_BYTES


def test_a_success_keeps_its_warning_capped_like_an_error() -> None:
    warning = ClassifiedError("AccessNotGranted", ErrorCategory.PERMISSION, "x" * 10_000, False)
    done = record_outcome(
        make_job(TaskStatus.RUNNING), TaskStatus.SUCCEEDED, None, now=NOW, warning=warning
    )
    assert done is not None and done.error is None and done.warning is not None
    assert done.warning.code == "AccessNotGranted"
    assert len(done.warning.message.encode()) <= 4096
