"""provision_cluster: PUT the cluster, poll it with durable timers racing a cancel event."""

import logging
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.blueprint import CANCEL_EVENT, PROVISION_CLUSTER, blueprint
from orchestrators.instance_clock import instance_created_at
from orchestrators.outcomes import (
    cancelled_outcome,
    cluster_outcome,
    deadline_outcome,
    failed_outcome,
    progress_status,
)
from orchestrators.retry_policy import ARM_RETRY, OUTCOME_RETRY
from provisioning.attempt_steps import error_from_activity_failure
from provisioning.attempts import LATE_START_REASON, start_failure_error, started_too_late

logger = logging.getLogger(__name__)


@blueprint.orchestration_trigger(context_name="context", orchestration=PROVISION_CLUSTER)
def provision_cluster(context: df.DurableOrchestrationContext):  # noqa: ANN201 (generator)
    """Create one AKS cluster; every exit path records a terminal JobState outcome."""
    attempt: dict[str, Any] = context.get_input()
    cancel = context.wait_for_external_event(CANCEL_EVENT)
    if started_too_late(attempt, instance_created_at(context)):
        # The HTTP caller gave up waiting and was told to try again: stop before Azure.
        late = failed_outcome(start_failure_error(LATE_START_REASON), None, cluster_seen=False)
        return (yield from _finish(context, attempt, late))

    # Step 1: mark running, unless the user cancelled while the attempt was still queued.
    context.set_custom_status(progress_status(attempt, "Starting", 1))
    begin = context.call_activity_with_retry(names.BEGIN_ATTEMPT, ARM_RETRY, attempt)
    first = yield context.task_any([begin, cancel])
    if first != cancel and isinstance(begin.result, Exception):
        # A failed child of task_any holds its exception as result; nothing reached Azure yet.
        error = error_from_activity_failure(str(begin.result))
        outcome = failed_outcome(error, None, cluster_seen=False)
        return (yield from _finish(context, attempt, outcome))
    if first == cancel or not begin.result["proceed"]:
        outcome = cancelled_outcome(attempt, cluster_seen=False, cluster_state=None)
        return (yield from _finish(context, attempt, outcome))

    # Step 2: PUT. Once ARM accepts it the cluster resource exists (cluster_seen).
    context.set_custom_status(progress_status(attempt, "Submitting cluster to Azure", 2))
    try:
        created = yield context.call_activity_with_retry(
            names.SUBMIT_CLUSTER_CREATE, ARM_RETRY, attempt
        )
    except Exception as exc:  # retries exhausted on a transient fault
        outcome = failed_outcome(error_from_activity_failure(str(exc)), None, cluster_seen=False)
        return (yield from _finish(context, attempt, outcome))
    if not created["accepted"]:
        outcome = failed_outcome(created["error"], None, cluster_seen=False)
        return (yield from _finish(context, attempt, outcome))
    attempt = {**attempt, "operation_url": created.get("operation_url")}
    cluster_state = created["cluster_state"]

    # Step 3: poll until a terminal provisioningState, a cancel, or the deadline.
    deadline = context.current_utc_datetime + timedelta(minutes=attempt["deadline_minutes"])
    poll = timedelta(seconds=attempt["poll_seconds"])
    while True:
        context.set_custom_status(
            progress_status(attempt, "Creating cluster", 3, cluster_state, cluster_seen=True)
        )
        if context.current_utc_datetime >= deadline:
            outcome = deadline_outcome(attempt, cluster_state)
            break
        timer = context.create_timer(min(context.current_utc_datetime + poll, deadline))
        winner = yield context.task_any([timer, cancel])
        if winner == cancel:
            if not timer.is_completed:
                timer.cancel()
            try:
                yield context.call_activity(names.ABORT_CLUSTER_CREATE, attempt)
            except Exception as exc:  # best effort: the cancel is recorded either way
                if not context.is_replaying:
                    logger.warning("abort of %s failed: %s", attempt["task_id"], exc)
            outcome = cancelled_outcome(attempt, cluster_seen=True, cluster_state=cluster_state)
            break
        try:
            polled = yield context.call_activity_with_retry(names.POLL_CLUSTER, ARM_RETRY, attempt)
        except Exception as exc:
            outcome = failed_outcome(
                error_from_activity_failure(str(exc)),
                cluster_state,
                cluster_seen=True,
                portal_url=attempt["portal_url"],
            )
            break
        cluster_state = polled["cluster_state"] or cluster_state
        done = cluster_outcome(attempt, polled)
        if done is not None:
            outcome = done
            break

    return (yield from _finish(context, attempt, outcome))


def _finish(context: df.DurableOrchestrationContext, attempt: dict[str, Any], outcome: dict):
    """Step 4: store the outcome; the orchestration's output is the same outcome."""
    context.set_custom_status(
        progress_status(
            attempt,
            "Finished",
            4,
            outcome.get("cluster_state"),
            cluster_seen=bool(outcome.get("cluster_seen")),
            status=outcome["status"],
        )
    )
    stored = yield context.call_activity_with_retry(
        names.FINISH_ATTEMPT, OUTCOME_RETRY, {"attempt": attempt, "outcome": outcome}
    )
    if not context.is_replaying:
        logger.info("attempt %s finished: %s", attempt["task_id"], stored["status"])
    return {**outcome, "status": stored["status"]}
