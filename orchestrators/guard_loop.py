"""One generation of a cluster's guard: check, act if due, sleep, continue_as_new.

Each generation is one check, so the history stays a handful of events however long the
guard runs. The check decides; the act looks again and starts the ordinary operation (as
a sub-orchestration with the task id as its instance id, so it is followed and cancelled
like a user's); the sleep is a durable timer raced against the "changed" and "extended"
events. The next generation gets the same input with why it woke.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import azure.durable_functions as df

if TYPE_CHECKING:
    from azure.durable_functions.models.Task import LongTimerTask, TimerTask

from activities import names
from orchestrators.blueprint import (
    CHANGE_CLUSTER,
    DELETE_CLUSTER,
    GUARDRAILS_CHANGED_EVENT,
    GUARDRAILS_EXTENDED_EVENT,
)
from provisioning.guardrails.messages import (
    ActInput,
    ActOutcome,
    ActResult,
    CheckInput,
    GuardInput,
    GuardVerdict,
    Wake,
)
from provisioning.guardrails.model import ActionKind
from provisioning.guardrails.rules import GuardAction

logger = logging.getLogger(__name__)

Context: TypeAlias = df.DurableOrchestrationContext
# Storage or ARM faults in a guard's step: a few quick tries, then the next check tries again.
GUARD_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2000, max_number_of_attempts=3)
WAKE_BY_EVENT = {
    GUARDRAILS_CHANGED_EVENT: Wake.CHANGED,
    GUARDRAILS_EXTENDED_EVENT: Wake.EXTENDED,
}


def guard_generation(context: Context) -> Generator[Any, Any, Any]:
    """Run one generation; returns only when the guard ends (rules removed, cluster gone)."""
    received = context.get_input()
    if not isinstance(received, dict):
        raise TypeError(f"the guard's input must be an object, not {type(received).__name__}")
    guard = GuardInput.from_dict(received)
    now = context.current_utc_datetime
    verdict = yield from _check(context, guard)
    if verdict is None:  # the check failed after its retries: look again later, fully
        wake = yield from _sleep(context, now + timedelta(seconds=guard.check_seconds))
        context.continue_as_new(
            guard.next_generation(Wake.RETRY if wake is Wake.TIMER else wake).to_dict()
        )
        return None
    if verdict.ended:
        if not context.is_replaying:
            logger.info("guard %s ended: %s", context.instance_id, verdict.end_reason)
        return {"ended": verdict.end_reason}
    if verdict.action is not None:
        task_id = yield from _act(context, guard, verdict.action)
        if task_id is not None:
            following = guard.next_generation(Wake.AFTER_ACTION, verdict.settings)
            context.continue_as_new(following.to_dict())
            return None
    wake = yield from _sleep(context, verdict.next_check_at)
    context.continue_as_new(guard.next_generation(wake, verdict.settings).to_dict())
    return None


def _check(context: Context, guard: GuardInput) -> Generator[Any, Any, GuardVerdict | None]:
    """The check activity's verdict, or None when it kept failing."""
    check = CheckInput(guard, context.current_utc_datetime)
    try:
        result = yield context.call_activity_with_retry(
            names.CHECK_GUARDRAIL, GUARD_RETRY, check.to_dict()
        )
    except Exception as exc:  # retries exhausted: storage or ARM is down
        if not context.is_replaying:
            logger.warning("guard %s check failed: %s", context.instance_id, exc)
        return None
    return GuardVerdict.from_dict(result)


def _act(
    context: Context, guard: GuardInput, action: GuardAction
) -> Generator[Any, Any, str | None]:
    """Look again and start the operation; waits for it. The task id, or None if none ran."""
    unique = str(context.new_uuid()).replace("-", "")[:12]
    act = ActInput(guard, action, context.current_utc_datetime, unique)
    try:
        raw = yield context.call_activity_with_retry(
            names.ACT_ON_GUARDRAIL, GUARD_RETRY, act.to_dict()
        )
    except Exception as exc:  # retries exhausted: the next check decides again
        if not context.is_replaying:
            logger.warning("guard %s act failed: %s", context.instance_id, exc)
        return None
    result = ActResult.from_dict(raw)
    if result.outcome is not ActOutcome.STARTED or result.task_id is None:
        return None
    orchestrator = DELETE_CLUSTER if action.kind is ActionKind.DELETE else CHANGE_CLUSTER
    try:
        yield context.call_sub_orchestrator(orchestrator, result.operation, result.task_id)
    except Exception as exc:  # the operation records its own outcome; the guard carries on
        if not context.is_replaying:
            logger.warning("guardrail operation %s failed: %s", result.task_id, exc)
    return result.task_id


def _sleep(context: Context, until: Any) -> Generator[Any, Any, Wake]:
    """A durable timer raced against the guardrails events; why the guard woke."""
    # Annotated as TaskBase, but create_timer returns one of these two (both can be cancelled).
    timer = cast("TimerTask | LongTimerTask", context.create_timer(until))
    changed = context.wait_for_external_event(GUARDRAILS_CHANGED_EVENT)
    extended = context.wait_for_external_event(GUARDRAILS_EXTENDED_EVENT)
    winner = yield context.task_any([timer, changed, extended])
    if winner == timer:
        return Wake.TIMER
    timer.cancel()
    return Wake.EXTENDED if winner == extended else Wake.CHANGED
