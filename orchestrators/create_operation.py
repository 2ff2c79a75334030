"""The create operation: PUT the cluster, poll it with durable timers racing a cancel event,
then grant the caller access to the cluster it made."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.cluster_operation import ClusterOperation, Waiting
from orchestrators.outcomes import (
    cancelled_outcome,
    cluster_outcome,
    failed_outcome,
    progress_status,
)
from orchestrators.poll_loop import poll_once
from orchestrators.retry_policy import ARM_RETRY
from provisioning.operations.grant_work import grant_failed_warning
from provisioning.operations.messages import (
    AbortResult,
    AccessGranted,
    CreateSubmitted,
    OperationInput,
    OperationOutcome,
)
from provisioning.operations.shared_work import error_from_activity_failure
from provisioning.operations.step_tables import Phase

logger = logging.getLogger(__name__)

# After a refused abort, these states mean the create finished first: record that instead.
CREATE_WON_THE_RACE = frozenset({"Succeeded", "Failed"})


def _submit_create(
    context: df.DurableOrchestrationContext, attempt: OperationInput
) -> Generator[Any, Any, OperationOutcome | Waiting]:
    """Step 2: PUT. Once ARM accepts it the cluster resource exists (cluster_seen)."""
    try:
        result = yield context.call_activity_with_retry(
            names.SUBMIT_CLUSTER_CREATE, ARM_RETRY, attempt.to_dict()
        )
    except Exception as exc:  # retries exhausted on a transient fault
        return failed_outcome(error_from_activity_failure(str(exc)), None, cluster_seen=False)
    created = CreateSubmitted.from_dict(result)
    if created.error is not None:  # refused for good: the cluster was never made
        return failed_outcome(created.error, None, cluster_seen=False)
    return Waiting(attempt.with_operation_url(created.operation_url), created.cluster_state)


def _cancel_after_put(
    context: df.DurableOrchestrationContext, attempt: OperationInput, cluster_state: str | None
) -> Generator[Any, Any, OperationOutcome]:
    """Abort our create, then record what ARM says: a create that won the race succeeded."""
    aborted = yield from _abort(context, attempt)
    state = aborted.cluster_state or cluster_state
    if not aborted.aborted:  # ARM refused the abort (often: the create had just finished)
        polled = yield from poll_once(context, attempt)
        if polled is not None:
            state = polled.cluster_state or state
            settled = cluster_outcome(attempt, polled) if state in CREATE_WON_THE_RACE else None
            if settled is not None:
                return settled
    return cancelled_outcome(attempt, cluster_seen=True, cluster_state=state)


def _abort(
    context: df.DurableOrchestrationContext, attempt: OperationInput
) -> Generator[Any, Any, AbortResult]:
    """Ask ARM to abort the create; best effort (the state read afterwards still decides)."""
    try:
        result = yield context.call_activity(names.ABORT_CLUSTER_CREATE, attempt.to_dict())
    except Exception as exc:  # best effort: the state read below still decides
        if not context.is_replaying:
            logger.warning("abort of %s failed: %s", attempt.task_id, exc)
        return AbortResult(False)
    return AbortResult.from_dict(result)


def _grant_access(
    context: df.DurableOrchestrationContext, attempt: OperationInput, succeeded: OperationOutcome
) -> Generator[Any, Any, OperationOutcome]:
    """ "Granting you access": the create stays a success; a refused grant becomes a warning."""
    context.set_custom_status(
        progress_status(attempt, Phase.GRANTING, succeeded.cluster_state, cluster_seen=True)
    )
    try:
        result = yield context.call_activity_with_retry(
            names.GRANT_CLUSTER_ACCESS, ARM_RETRY, attempt.to_dict()
        )
        granted = AccessGranted.from_dict(result)
    except Exception as exc:  # retries exhausted: Azure kept failing, the cluster is still ready
        reason = error_from_activity_failure(str(exc)).message
        if not context.is_replaying:
            logger.warning("access grant of %s failed after retries: %s", attempt.task_id, reason)
        granted = grant_failed_warning(attempt, reason.rstrip("."))
    return succeeded.with_warning(granted.warning)


PROVISION = ClusterOperation(
    submit=_submit_create,
    settled=cluster_outcome,
    cluster_seen=True,
    cancel=_cancel_after_put,
    after_success=_grant_access,
)
