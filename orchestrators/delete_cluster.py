"""delete_cluster: remove the partial cluster an attempt left behind, then resolve it."""

from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.blueprint import DELETE_CLUSTER, blueprint
from orchestrators.instance_clock import instance_created_at
from orchestrators.outcomes import progress_status
from orchestrators.retry_policy import ARM_RETRY, OUTCOME_RETRY
from provisioning.arm_errors import cancelled_error, deadline_error
from provisioning.attempt_steps import error_from_activity_failure
from provisioning.attempts import LATE_START_REASON, start_failure_error, started_too_late
from provisioning.models import ClassifiedError, ErrorCategory, TaskStatus

DELETE_FAILED = ClassifiedError(
    code="DeleteFailed",
    category=ErrorCategory.UNKNOWN,
    message="Azure could not delete the cluster; check it in the portal.",
    retryable=True,
)


def _outcome(status: TaskStatus, error: ClassifiedError | dict | None, state: str | None) -> dict:
    if isinstance(error, ClassifiedError):
        error = error.to_dict()
    return {
        "status": str(status),
        "error": error,
        "cluster_state": state,
        "cluster_seen": False,
        "step": {TaskStatus.SUCCEEDED: "Deleted", TaskStatus.CANCELLED: "Cancelled"}.get(
            status, "Failed"
        ),
    }


@blueprint.orchestration_trigger(context_name="context", orchestration=DELETE_CLUSTER)
def delete_cluster(context: df.DurableOrchestrationContext):  # noqa: ANN201 (generator)
    """Delete the cluster, poll until it is gone; success resolves the original failure."""
    attempt: dict[str, Any] = context.get_input()
    outcome: dict[str, Any]
    if started_too_late(attempt, instance_created_at(context)):
        # The HTTP caller gave up waiting and was told to try again: leave the cluster alone.
        outcome = _outcome(TaskStatus.FAILED, start_failure_error(LATE_START_REASON), None)
    else:
        outcome = yield from _begin_then_delete(context, attempt)

    context.set_custom_status(
        progress_status(attempt, "Finished", 4, outcome["cluster_state"], status=outcome["status"])
    )
    stored = yield context.call_activity_with_retry(
        names.FINISH_ATTEMPT, OUTCOME_RETRY, {"attempt": attempt, "outcome": outcome}
    )
    return {**outcome, "status": stored["status"]}


def _begin_then_delete(context: df.DurableOrchestrationContext, attempt: dict[str, Any]):
    """Mark running (stop if cancelled while queued), then delete and wait until it is gone."""
    context.set_custom_status(progress_status(attempt, "Starting", 1))
    try:
        began = yield context.call_activity_with_retry(names.BEGIN_ATTEMPT, ARM_RETRY, attempt)
    except Exception as exc:
        return _outcome(TaskStatus.FAILED, error_from_activity_failure(str(exc)), None)
    if not began["proceed"]:  # cancelled while queued: leave the cluster alone
        return _outcome(TaskStatus.CANCELLED, cancelled_error(False, None), None)
    return (yield from _delete_and_wait(context, attempt))


def _delete_and_wait(context: df.DurableOrchestrationContext, attempt: dict[str, Any]):  # noqa: ANN202
    """Steps 2-3: start the delete, then poll on durable timers until the cluster is gone."""
    context.set_custom_status(progress_status(attempt, "Deleting cluster", 2))
    try:
        started = yield context.call_activity_with_retry(
            names.SUBMIT_CLUSTER_DELETE, ARM_RETRY, attempt
        )
    except Exception as exc:
        started = {"error": error_from_activity_failure(str(exc)).to_dict(), "gone": False}

    if started.get("error"):
        return _outcome(TaskStatus.FAILED, started["error"], None)
    if started.get("gone"):
        return _outcome(TaskStatus.SUCCEEDED, None, "Deleted")
    deadline = context.current_utc_datetime + timedelta(minutes=attempt["deadline_minutes"])
    poll = timedelta(seconds=attempt["poll_seconds"])
    state: str | None = "Deleting"
    while True:
        context.set_custom_status(progress_status(attempt, "Waiting for deletion", 3, state))
        if context.current_utc_datetime >= deadline:
            error = deadline_error(attempt["deadline_minutes"], attempt["portal_url"])
            return _outcome(TaskStatus.FAILED, error, state)
        yield context.create_timer(min(context.current_utc_datetime + poll, deadline))
        try:
            polled = yield context.call_activity_with_retry(names.POLL_CLUSTER, ARM_RETRY, attempt)
        except Exception as exc:
            return _outcome(TaskStatus.FAILED, error_from_activity_failure(str(exc)), state)
        state = polled["cluster_state"]
        if polled.get("gone"):
            return _outcome(TaskStatus.SUCCEEDED, None, "Deleted")
        if polled.get("error") or state == "Failed":
            return _outcome(TaskStatus.FAILED, polled.get("error") or DELETE_FAILED, state)
