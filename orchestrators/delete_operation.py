"""The delete operation: delete a partial cluster or one of yours, poll until it is gone."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.cluster_operation import ClusterOperation, Waiting
from orchestrators.outcomes import failed_outcome, succeeded_outcome
from orchestrators.poll_loop import poll_once
from orchestrators.retry_policy import ARM_RETRY
from provisioning.errors.product import DELETE_FAILED
from provisioning.operations.messages import (
    DeleteSubmitted,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from provisioning.operations.shared_work import error_from_activity_failure

DELETING = "Deleting"
DELETED = "Deleted"


def _submit_delete(
    context: df.DurableOrchestrationContext, attempt: OperationInput
) -> Generator[Any, Any, OperationOutcome | Waiting]:
    """Step 2: start the delete (only of the attempt's or the caller's cluster)."""
    try:
        result = yield context.call_activity_with_retry(
            names.SUBMIT_CLUSTER_DELETE, ARM_RETRY, attempt.to_dict()
        )
    except Exception as exc:
        # The delete call kept failing: record what ARM says about the cluster, not a guess.
        return (yield from _after_failed_delete(context, attempt, exc))
    started = DeleteSubmitted.from_dict(result)
    if started.error is not None:
        return failed_outcome(started.error, None, cluster_seen=False)
    if started.gone:
        return succeeded_outcome(attempt, DELETED, cluster_seen=False)
    return Waiting(attempt, DELETING)


def _after_failed_delete(
    context: df.DurableOrchestrationContext, attempt: OperationInput, exc: Exception
) -> Generator[Any, Any, OperationOutcome | Waiting]:
    """Read the cluster once more: gone or deleting means the delete did reach Azure."""
    error = error_from_activity_failure(str(exc))
    polled = yield from poll_once(context, attempt)
    if polled is None:  # ARM still silent: report the delete's own failure
        return failed_outcome(error, None, cluster_seen=False)
    if polled.gone:
        return succeeded_outcome(attempt, DELETED, cluster_seen=False)
    if polled.cluster_state == DELETING:
        return Waiting(attempt, DELETING)
    return failed_outcome(error, polled.cluster_state, cluster_seen=False)


def _deletion_outcome(attempt: OperationInput, polled: PollResult) -> OperationOutcome | None:
    """Gone is success; a Failed state or a poll error is failure; else keep waiting."""
    if polled.gone:
        return succeeded_outcome(attempt, DELETED, cluster_seen=False)
    if polled.error is not None or polled.cluster_state == "Failed":
        error = polled.error or DELETE_FAILED
        return failed_outcome(error, polled.cluster_state, cluster_seen=False)
    return None


# A started delete is not cancellable (README): no cancel step.
DELETE = ClusterOperation(submit=_submit_delete, settled=_deletion_outcome, cluster_seen=False)
