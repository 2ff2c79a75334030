"""provision_cluster: PUT the cluster, poll it with durable timers racing a cancel event."""

import logging
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
from orchestrators.poll_loop import poll_until_settled
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

    # Step 3: poll until a terminal provisioningState, a cancel, or the deadline.
    ended = yield from poll_until_settled(
        context,
        attempt,
        step="Creating cluster",
        step_index=3,
        cluster_state=created["cluster_state"],
        settled=lambda polled: cluster_outcome(attempt, polled),
        cancel=cancel,
        cluster_seen=True,
    )
    if ended.reason == "settled":
        outcome = ended.outcome
    elif ended.reason == "cancelled":
        outcome = yield from _cancel_after_put(context, attempt, ended.cluster_state)
    else:
        outcome = deadline_outcome(attempt, ended.cluster_state)

    return (yield from _finish(context, attempt, outcome))


def _cancel_after_put(
    context: df.DurableOrchestrationContext, attempt: dict[str, Any], cluster_state: str | None
):  # noqa: ANN202 (generator)
    """Abort our create, then record what ARM says: a create that won the race succeeded."""
    try:
        aborted = yield context.call_activity(names.ABORT_CLUSTER_CREATE, attempt)
    except Exception as exc:  # best effort: the state read below still decides
        if not context.is_replaying:
            logger.warning("abort of %s failed: %s", attempt["task_id"], exc)
        aborted = {"aborted": False, "cluster_state": None}
    state = aborted.get("cluster_state") or cluster_state
    if not aborted.get("aborted"):
        # ARM refused the abort (often: the create had just finished). Read what it did.
        try:
            polled = yield context.call_activity_with_retry(
                names.POLL_CLUSTER, ARM_RETRY, attempt
            )
        except Exception:  # nothing more to learn: the cancel stands
            polled = None
        if polled and not polled.get("unreachable"):
            state = polled.get("cluster_state") or state
            if state in ("Succeeded", "Failed"):
                settled = cluster_outcome(attempt, polled)
                if settled is not None:
                    return settled
    return cancelled_outcome(attempt, cluster_seen=True, cluster_state=state)


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
