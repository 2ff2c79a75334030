"""How a cancel ends an operation: abort, then record what ARM says, and only what ARM says.

One rule for every cancellable operation type (create, stop, start, scale, upgrade):

- ARM took the abort: the operation is cancelled.
- Otherwise the cluster is read again. A settled state is the outcome (a change that
  finished before the abort landed succeeded; Canceled is cancelled). A cluster still
  changing is cancelled when ARM refused the abort (nothing left to abort) or already
  shows Canceling.
- ARM answered neither the abort nor the re-read (or said the cluster is still changing
  after an abort it never answered): nothing is known, so nothing is recorded. The
  operation stays running, its step says Azure is not answering, and the cancel is tried
  again with the poll loop's backoff until ARM answers or the deadline passes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from orchestrators.outcomes import deadline_outcome, progress_status
from orchestrators.poll_loop import backoff_seconds, poll_once
from provisioning.clusters.arm_calls import AbortAnswer
from provisioning.errors.product import ARM_NOT_ANSWERING_STEP
from provisioning.operations.messages import (
    AbortResult,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from provisioning.operations.step_tables import Phase

logger = logging.getLogger(__name__)

Context = df.DurableOrchestrationContext
SettledRule = Callable[[OperationInput, PollResult], OperationOutcome | None]
CancelledOutcome = Callable[[OperationInput, str | None], OperationOutcome]
# One try of a cancel: the outcome ARM's answers give, or None when ARM said nothing usable.
CancelTry = Callable[
    [Context, OperationInput, str | None], Generator[Any, Any, OperationOutcome | None]
]

# A cluster in this state is being cancelled, whoever asked.
CANCELING = "Canceling"


def cancel_try(abort_activity: str, settled: SettledRule, cancelled: CancelledOutcome) -> CancelTry:
    """One try of the cancel rule above, for an operation's abort activity and outcomes."""

    def attempt_cancel(
        context: Context, attempt: OperationInput, cluster_state: str | None
    ) -> Generator[Any, Any, OperationOutcome | None]:
        aborted = yield from _abort(context, abort_activity, attempt)
        if aborted.answer is AbortAnswer.ACCEPTED:
            return cancelled(attempt, aborted.cluster_state or cluster_state)
        polled = yield from poll_once(context, attempt)
        if polled is None:  # ARM silent on the re-read too
            return None
        outcome = settled(attempt, polled)
        if outcome is not None:
            return outcome
        state = polled.cluster_state or aborted.cluster_state or cluster_state
        if aborted.answer is AbortAnswer.REFUSED or state == CANCELING:
            return cancelled(attempt, state)
        return None  # the abort went unanswered and the cluster is still changing

    return attempt_cancel


def _abort(
    context: Context, abort_activity: str, attempt: OperationInput
) -> Generator[Any, Any, AbortResult]:
    """Ask ARM to abort; an activity that failed outright counts as ARM saying nothing."""
    try:
        result = yield context.call_activity(abort_activity, attempt.to_dict())
    except Exception as exc:  # the re-read below still asks ARM
        if not context.is_replaying:
            logger.warning("abort of %s failed: %s", attempt.task_id, exc)
        return AbortResult.unanswered()
    return AbortResult.from_dict(result)


def cancel_until_arm_answers(
    context: Context,
    attempt: OperationInput,
    try_cancel: CancelTry,
    *,
    cluster_state: str | None,
    cluster_seen: bool,
    deadline: datetime,
) -> Generator[Any, Any, OperationOutcome]:
    """Try the cancel until ARM's answers give an outcome; at the deadline, say so instead."""
    unanswered = 0
    while True:
        outcome = yield from try_cancel(context, attempt, cluster_state)
        if outcome is not None:
            return outcome
        unanswered += 1
        if not context.is_replaying:
            logger.warning("cancel of %s: ARM did not answer (%d)", attempt.task_id, unanswered)
        context.set_custom_status(
            progress_status(
                attempt,
                Phase.WAITING,
                cluster_state,
                cluster_seen=cluster_seen,
                step=ARM_NOT_ANSWERING_STEP,
            )
        )
        if context.current_utc_datetime >= deadline:
            return deadline_outcome(attempt, cluster_state, cluster_seen=cluster_seen)
        wait = timedelta(seconds=backoff_seconds(attempt.poll_seconds, unanswered))
        yield context.create_timer(min(context.current_utc_datetime + wait, deadline))
