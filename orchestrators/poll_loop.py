"""The shared poll loop: durable timers racing `cancel`, until a settled state or the deadline.

A transient ARM fault never ends an operation before its deadline: the poll step reports
Azure as unreachable, the custom status says so, and the next poll waits longer (capped
exponential backoff on durable timers, so replay stays deterministic).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

import azure.durable_functions as df

from activities import names
from orchestrators.outcomes import progress_status
from orchestrators.retry_policy import ARM_RETRY
from provisioning.errors.product import ARM_NOT_ANSWERING_STEP
from provisioning.operations.messages import OperationInput, OperationOutcome, PollResult
from provisioning.operations.step_tables import Phase

if TYPE_CHECKING:
    from azure.durable_functions.models.Task import LongTimerTask, TimerTask

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 120
# A fast poll (the local 1 s) backs off at most to 8 intervals, never under 30 s: an outage
# that ends is noticed within half a minute there, within two minutes in Azure (15 s polls).
BACKOFF_INTERVALS = 8
MIN_BACKOFF_CAP_SECONDS = 30

Settled = Callable[[PollResult], OperationOutcome | None]


class PollEndReason(Enum):
    """Why the loop stopped."""

    SETTLED = "settled"
    CANCELLED = "cancelled"
    DEADLINE = "deadline"


@dataclass(frozen=True)
class PollEnd:
    """How the loop ended, the last cluster state seen, and the outcome when settled."""

    reason: PollEndReason
    cluster_state: str | None
    outcome: OperationOutcome | None = None
    # The operation's deadline, which a cancel that follows keeps to.
    deadline: datetime | None = None


def backoff_seconds(poll_seconds: int, unreachable_in_a_row: int) -> int:
    """Wait before the next poll: the interval, doubled per unanswered poll, capped."""
    if unreachable_in_a_row <= 0:
        return poll_seconds
    cap = max(
        poll_seconds,
        min(MAX_BACKOFF_SECONDS, max(poll_seconds * BACKOFF_INTERVALS, MIN_BACKOFF_CAP_SECONDS)),
    )
    return min(cap, poll_seconds * 2 ** min(unreachable_in_a_row, 16))


def poll_until_settled(
    context: df.DurableOrchestrationContext,
    attempt: OperationInput,
    *,
    cluster_state: str | None,
    settled: Settled,
    cancel: Any | None,
    cluster_seen: bool,
) -> Generator[Any, Any, PollEnd]:
    """Poll the cluster until `settled(polled)` gives an outcome, a cancel, or the deadline."""
    deadline = context.current_utc_datetime + timedelta(minutes=attempt.deadline_minutes)
    unreachable = 0
    while True:
        _show_waiting(context, attempt, cluster_state, cluster_seen, unreachable)
        if context.current_utc_datetime >= deadline:
            return PollEnd(PollEndReason.DEADLINE, cluster_state, deadline=deadline)
        wait = timedelta(seconds=backoff_seconds(attempt.poll_seconds, unreachable))
        fire_at = min(context.current_utc_datetime + wait, deadline)
        if (yield from _cancelled_while_waiting(context, fire_at, cancel)):
            return PollEnd(PollEndReason.CANCELLED, cluster_state, deadline=deadline)
        polled = yield from poll_once(context, attempt)
        if polled is None:
            unreachable += 1
            continue
        unreachable = 0
        cluster_state = polled.cluster_state or cluster_state
        outcome = settled(polled)
        if outcome is not None:
            return PollEnd(PollEndReason.SETTLED, cluster_state, outcome, deadline)


def _show_waiting(
    context: df.DurableOrchestrationContext,
    attempt: OperationInput,
    cluster_state: str | None,
    cluster_seen: bool,
    unreachable: int,
) -> None:
    """The wait step in the custom status, saying so while Azure does not answer."""
    shown = ARM_NOT_ANSWERING_STEP if unreachable else None
    status = progress_status(
        attempt, Phase.WAITING, cluster_state, cluster_seen=cluster_seen, step=shown
    )
    context.set_custom_status(status)


def _cancelled_while_waiting(
    context: df.DurableOrchestrationContext, fire_at: Any, cancel: Any | None
) -> Generator[Any, Any, bool]:
    """Wait on a durable timer; True when the cancel event won the race (timer cancelled)."""
    # Annotated as TaskBase, but create_timer returns one of these two (both can be cancelled).
    timer = cast("TimerTask | LongTimerTask", context.create_timer(fire_at))
    if cancel is None:
        yield timer
        return False
    winner = yield context.task_any([timer, cancel])
    if winner != cancel:
        return False
    if not timer.is_completed:
        timer.cancel()
    return True


def poll_once(
    context: df.DurableOrchestrationContext, attempt: OperationInput
) -> Generator[Any, Any, PollResult | None]:
    """One poll; None when Azure did not answer or the step itself kept failing."""
    try:
        result = yield context.call_activity_with_retry(
            names.POLL_CLUSTER, ARM_RETRY, attempt.to_dict()
        )
    except Exception as exc:  # the loop goes on until the deadline
        if not context.is_replaying:
            logger.warning("poll of %s failed after retries: %s", attempt.task_id, exc)
        return None
    polled = PollResult.from_dict(result)
    return None if polled.unreachable is not None else polled
