"""The one skeleton every cluster operation runs: begin, submit, wait (racing cancel), finish.

An operation type is a ClusterOperation: how it submits its change to Azure, when a poll
means it is settled, (if it can be cancelled) how a cancel ends it, and (if it has one) the
step after the cluster succeeded. The skeleton owns
everything else: the late-start guard, the custom status from the step table, the poll
loop, the deadline, and storing exactly one terminal outcome on every path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.blueprint import CANCEL_EVENT
from orchestrators.cancel_step import CancelTry, cancel_until_arm_answers
from orchestrators.instance_clock import instance_created_at
from orchestrators.outcomes import (
    cancelled_outcome,
    deadline_outcome,
    failed_outcome,
    progress_status,
)
from orchestrators.poll_loop import PollEndReason, poll_until_settled
from orchestrators.retry_policy import ARM_RETRY, OUTCOME_RETRY
from provisioning.errors.product import start_failure_error
from provisioning.models import TaskStatus
from provisioning.operations.messages import (
    BeginResult,
    FinishInput,
    FinishResult,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from provisioning.operations.shared_work import error_from_activity_failure
from provisioning.operations.starts import LATE_START_REASON, started_too_late
from provisioning.operations.step_tables import Phase

logger = logging.getLogger(__name__)

Context = df.DurableOrchestrationContext
Steps = Generator[Any, Any, Any]


@dataclass(frozen=True)
class Waiting:
    """The submit step reached Azure: wait for the cluster, starting from this state."""

    attempt: OperationInput
    cluster_state: str | None


SubmitStep = Callable[[Context, OperationInput], Generator[Any, Any, "OperationOutcome | Waiting"]]
SettledRule = Callable[[OperationInput, PollResult], OperationOutcome | None]
AfterSuccessStep = Callable[
    [Context, OperationInput, OperationOutcome], Generator[Any, Any, OperationOutcome]
]


@dataclass(frozen=True)
class ClusterOperation:
    """What makes one operation type; the skeleton in run_cluster_operation does the rest."""

    submit: SubmitStep
    settled: SettledRule
    # While waiting, the cluster is the attempt's own: show its portal link, offer cleanup.
    cluster_seen: bool
    # One try of ending it after a cancel (orchestrators.cancel_step), repeated until ARM
    # answers; None: the operation cannot be cancelled.
    cancel: CancelTry | None = None
    # A step after Azure reported success (the create grants access); it may add a warning
    # to the success but never turns it into a failure.
    after_success: AfterSuccessStep | None = None


# A cancel that wins the race against the begin step: as if cancelled while queued.
CANCELLED_BEFORE_BEGIN = BeginResult(False, TaskStatus.CANCELLED)


def run_cluster_operation(context: Context, operation: ClusterOperation) -> Steps:
    """Run one operation to its terminal outcome; the output is the outcome stored."""
    received = context.get_input()
    if not isinstance(received, dict):
        raise TypeError(f"the orchestration input must be an object, not {type(received).__name__}")
    attempt = OperationInput.from_dict(received)
    cancel = context.wait_for_external_event(CANCEL_EVENT) if operation.cancel else None
    if started_too_late(attempt, instance_created_at(context)):
        # The HTTP caller gave up waiting and was told to try again: stop before Azure.
        error = start_failure_error(LATE_START_REASON)
        outcome = failed_outcome(error, None, cluster_seen=False)
    else:
        outcome = yield from _begin_submit_wait(context, operation, attempt, cancel)
    return (yield from _finish(context, attempt, outcome))


def _begin_submit_wait(
    context: Context, operation: ClusterOperation, attempt: OperationInput, cancel: Any | None
) -> Generator[Any, Any, OperationOutcome]:
    """Steps 1-3 (and the step after a success): the outcome of whichever step ended it."""
    outcome = yield from _until_settled(context, operation, attempt, cancel)
    if outcome.status is not TaskStatus.SUCCEEDED or operation.after_success is None:
        return outcome
    return (yield from operation.after_success(context, attempt, outcome))


def _until_settled(
    context: Context, operation: ClusterOperation, attempt: OperationInput, cancel: Any | None
) -> Generator[Any, Any, OperationOutcome]:
    """Steps 1-3: the outcome of whichever step ended the operation."""
    stopped = yield from _begin(context, attempt, cancel)
    if stopped is not None:
        return stopped
    context.set_custom_status(progress_status(attempt, Phase.SUBMITTING))
    submitted = yield from operation.submit(context, attempt)
    if isinstance(submitted, OperationOutcome):
        return submitted
    waiting = submitted.attempt
    ended = yield from poll_until_settled(
        context,
        waiting,
        cluster_state=submitted.cluster_state,
        settled=lambda polled: operation.settled(waiting, polled),
        cancel=cancel,
        cluster_seen=operation.cluster_seen,
    )
    if ended.outcome is not None:
        return ended.outcome
    if ended.reason is PollEndReason.CANCELLED and operation.cancel is not None:
        return (
            yield from cancel_until_arm_answers(
                context,
                waiting,
                operation.cancel,
                cluster_state=ended.cluster_state,
                cluster_seen=operation.cluster_seen,
                deadline=ended.deadline or context.current_utc_datetime,
            )
        )
    return deadline_outcome(waiting, ended.cluster_state, cluster_seen=operation.cluster_seen)


def _begin(
    context: Context, attempt: OperationInput, cancel: Any | None
) -> Generator[Any, Any, OperationOutcome | None]:
    """Step 1: mark running; an outcome when the operation must stop before Azure."""
    context.set_custom_status(progress_status(attempt, Phase.STARTING))
    task = context.call_activity_with_retry(names.BEGIN_ATTEMPT, ARM_RETRY, attempt.to_dict())
    try:
        began = yield from _begun(context, task, cancel)
    except Exception as exc:  # nothing reached Azure yet
        return failed_outcome(error_from_activity_failure(str(exc)), None, cluster_seen=False)
    if not began.proceed:  # cancelled while queued: leave the cluster alone
        return cancelled_outcome(attempt, cluster_seen=False, cluster_state=None)
    return None


def _begun(context: Context, task: Any, cancel: Any | None) -> Generator[Any, Any, BeginResult]:
    """The begin step's result, raced against the cancel event when there is one."""
    if cancel is None:
        return BeginResult.from_dict((yield task))
    first = yield context.task_any([task, cancel])
    if first == cancel:
        return CANCELLED_BEFORE_BEGIN
    if isinstance(task.result, Exception):
        # A failed child of task_any holds its exception as result.
        raise task.result
    return BeginResult.from_dict(task.result)


def _finish(context: Context, attempt: OperationInput, outcome: OperationOutcome) -> Steps:
    """Step 4: store the outcome; the orchestration's output is the outcome as stored."""
    context.set_custom_status(
        progress_status(
            attempt,
            Phase.FINISHING,
            outcome.cluster_state,
            cluster_seen=outcome.cluster_seen,
            status=str(outcome.status),
        )
    )
    stored = yield context.call_activity_with_retry(
        names.FINISH_ATTEMPT, OUTCOME_RETRY, FinishInput(attempt, outcome).to_dict()
    )
    status = FinishResult.from_dict(stored).status
    if not context.is_replaying:
        logger.info("attempt %s finished: %s", attempt.task_id, status)
    return outcome.with_status(status).to_dict()
