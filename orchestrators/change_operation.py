"""The change operation: stop, start, scale or upgrade one of your clusters (one skeleton).

The operation type (in the input) picks the ARM call in provisioning.operations.change_work; this
module only says when the change is settled and how a cancel ends it (abort, then record
what ARM says).
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.cancel_step import cancel_try
from orchestrators.cluster_operation import ClusterOperation, Waiting
from orchestrators.outcomes import failed_outcome, succeeded_outcome
from orchestrators.retry_policy import ARM_RETRY
from provisioning.errors.product import (
    CLUSTER_DISAPPEARED,
    operation_cancelled_error,
    operation_failed_error,
)
from provisioning.models import TaskStatus
from provisioning.operations.messages import (
    ChangeSubmitted,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from provisioning.operations.registry import spec_for
from provisioning.operations.shared_work import error_from_activity_failure

logger = logging.getLogger(__name__)


def _submit_change(
    context: df.DurableOrchestrationContext, attempt: OperationInput
) -> Generator[Any, Any, OperationOutcome | Waiting]:
    """Step 2: ask ARM for the change; refused for good means nothing changed."""
    try:
        result = yield context.call_activity_with_retry(
            names.SUBMIT_CLUSTER_CHANGE, ARM_RETRY, attempt.to_dict()
        )
    except Exception as exc:  # retries exhausted on a transient fault
        return failed_outcome(error_from_activity_failure(str(exc)), None, cluster_seen=False)
    submitted = ChangeSubmitted.from_dict(result)
    if submitted.error is not None:
        return failed_outcome(submitted.error, None, cluster_seen=False)
    return Waiting(attempt, submitted.cluster_state)


def change_outcome(attempt: OperationInput, polled: PollResult) -> OperationOutcome | None:
    """Succeeded, Failed or Canceled end the change; anything else is still changing."""
    state = polled.cluster_state
    if polled.gone:
        return failed_outcome(CLUSTER_DISAPPEARED, None, cluster_seen=False)
    if state == "Succeeded":
        return succeeded_outcome(attempt, state, cluster_seen=False)
    if state == "Failed":
        error = operation_failed_error(spec_for(attempt.type).verb, attempt.request.cluster_name)
        return failed_outcome(error, state, cluster_seen=False)
    if state == "Canceled":
        return _cancelled(attempt, state)
    return None


def _cancelled(attempt: OperationInput, state: str | None) -> OperationOutcome:
    return OperationOutcome(
        TaskStatus.CANCELLED,
        operation_cancelled_error(attempt.request.cluster_name),
        state,
        False,
        "Cancelled",
    )


CHANGE = ClusterOperation(
    submit=_submit_change,
    settled=change_outcome,
    cluster_seen=False,
    # Abort, then record what ARM says: a change that finished first succeeded.
    cancel=cancel_try(names.ABORT_CLUSTER_CHANGE, change_outcome, _cancelled),
)
