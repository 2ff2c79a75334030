"""delete_cluster: remove the partial cluster an attempt left behind, then resolve it."""

from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.blueprint import DELETE_CLUSTER, blueprint
from orchestrators.instance_clock import instance_created_at
from orchestrators.outcomes import progress_status
from orchestrators.poll_loop import poll_until_settled
from orchestrators.retry_policy import ARM_RETRY, OUTCOME_RETRY
from provisioning.attempt_steps import error_from_activity_failure
from provisioning.attempts import LATE_START_REASON, started_too_late
from provisioning.models import ClassifiedError, TaskStatus
from provisioning.product_errors import (
    DELETE_FAILED,
    cancelled_error,
    deadline_error,
    start_failure_error,
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
        # The delete call kept failing: record what ARM says about the cluster, not a guess.
        started = yield from _state_after_failed_delete(context, attempt, exc)

    if started.get("error"):
        return _outcome(TaskStatus.FAILED, started["error"], started.get("cluster_state"))
    if started.get("gone"):
        return _outcome(TaskStatus.SUCCEEDED, None, "Deleted")
    ended = yield from poll_until_settled(
        context,
        attempt,
        step="Waiting for deletion",
        step_index=3,
        cluster_state="Deleting",
        settled=_deletion_outcome,
        cancel=None,  # a started delete is not cancellable
        cluster_seen=False,
    )
    if ended.outcome is not None:
        return ended.outcome
    error = deadline_error(attempt["deadline_minutes"], attempt["portal_url"])
    return _outcome(TaskStatus.FAILED, error, ended.cluster_state)


def _deletion_outcome(polled: dict[str, Any]) -> dict[str, Any] | None:
    """Gone is success; a Failed state or a poll error is failure; else keep waiting."""
    state = polled.get("cluster_state")
    if polled.get("gone"):
        return _outcome(TaskStatus.SUCCEEDED, None, "Deleted")
    if polled.get("error") or state == "Failed":
        return _outcome(TaskStatus.FAILED, polled.get("error") or DELETE_FAILED, state)
    return None


def _state_after_failed_delete(
    context: df.DurableOrchestrationContext, attempt: dict[str, Any], exc: Exception
):  # noqa: ANN202 (generator)
    """Read the cluster once more: gone or deleting means the delete did reach Azure."""
    error = error_from_activity_failure(str(exc)).to_dict()
    try:
        polled = yield context.call_activity_with_retry(names.POLL_CLUSTER, ARM_RETRY, attempt)
    except Exception:  # ARM still silent: report the delete's own failure
        return {"error": error, "gone": False}
    if polled.get("gone"):
        return {"error": None, "gone": True}
    if polled.get("cluster_state") == "Deleting":
        return {"error": None, "gone": False}
    return {"error": error, "gone": False, "cluster_state": polled.get("cluster_state")}
