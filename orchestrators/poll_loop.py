"""The shared poll loop: durable timers racing `cancel`, until a settled state or the deadline.

A transient ARM fault never ends an operation before its deadline: the poll step reports
Azure as unreachable, the custom status says so, and the next poll waits longer (capped
exponential backoff on durable timers, so replay stays deterministic).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.outcomes import progress_status
from orchestrators.retry_policy import ARM_RETRY
from provisioning.product_errors import ARM_NOT_ANSWERING_STEP

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 120


@dataclass(frozen=True)
class PollEnd:
    """How the loop ended: `settled` (with the outcome), `cancelled` or `deadline`."""

    reason: str
    cluster_state: str | None
    outcome: dict[str, Any] | None = None


def backoff_seconds(poll_seconds: int, unreachable_in_a_row: int) -> int:
    """Wait before the next poll: the interval, doubled per unanswered poll, capped."""
    if unreachable_in_a_row <= 0:
        return poll_seconds
    cap = max(poll_seconds, MAX_BACKOFF_SECONDS)
    return min(cap, poll_seconds * 2 ** min(unreachable_in_a_row, 16))


def poll_until_settled(
    context: df.DurableOrchestrationContext,
    attempt: dict[str, Any],
    *,
    step: str,
    step_index: int,
    cluster_state: str | None,
    settled: Callable[[dict[str, Any]], dict[str, Any] | None],
    cancel: Any | None,
    cluster_seen: bool,
) -> Generator[Any, Any, PollEnd]:
    """Poll the cluster until `settled(polled)` gives an outcome, a cancel, or the deadline."""
    deadline = context.current_utc_datetime + timedelta(minutes=attempt["deadline_minutes"])
    unreachable = 0
    while True:
        shown = ARM_NOT_ANSWERING_STEP if unreachable else step
        context.set_custom_status(
            progress_status(attempt, shown, step_index, cluster_state, cluster_seen=cluster_seen)
        )
        if context.current_utc_datetime >= deadline:
            return PollEnd("deadline", cluster_state)
        wait = timedelta(seconds=backoff_seconds(attempt["poll_seconds"], unreachable))
        timer = context.create_timer(min(context.current_utc_datetime + wait, deadline))
        if cancel is not None:
            winner = yield context.task_any([timer, cancel])
            if winner == cancel:
                if not timer.is_completed:
                    timer.cancel()
                return PollEnd("cancelled", cluster_state)
        else:
            yield timer
        polled = yield from _poll_once(context, attempt)
        if polled is None or polled.get("unreachable"):
            unreachable += 1
            continue
        unreachable = 0
        cluster_state = polled.get("cluster_state") or cluster_state
        outcome = settled(polled)
        if outcome is not None:
            return PollEnd("settled", cluster_state, outcome)


def _poll_once(
    context: df.DurableOrchestrationContext, attempt: dict[str, Any]
) -> Generator[Any, Any, dict[str, Any] | None]:
    """One poll; None when the step itself kept failing (treated like an unanswered poll)."""
    try:
        return (yield context.call_activity_with_retry(names.POLL_CLUSTER, ARM_RETRY, attempt))
    except Exception as exc:  # the loop goes on until the deadline
        if not context.is_replaying:
            logger.warning("poll of %s failed after retries: %s", attempt["task_id"], exc)
        return None
