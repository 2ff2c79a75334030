"""The create operation: PUT the cluster, poll it with durable timers racing a cancel event,
then grant the caller access to the cluster it made."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities import names
from orchestrators.cancel_step import cancel_try
from orchestrators.cluster_operation import ClusterOperation, Waiting
from orchestrators.outcomes import (
    cancelled_outcome,
    cluster_outcome,
    failed_outcome,
    progress_status,
)
from orchestrators.retry_policy import ARM_RETRY
from provisioning.operations.grant_work import grant_failed_warning
from provisioning.operations.messages import (
    AccessGranted,
    CreateSubmitted,
    OperationInput,
    OperationOutcome,
)
from provisioning.operations.shared_work import error_from_activity_failure
from provisioning.operations.step_tables import Phase

logger = logging.getLogger(__name__)


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


def _create_cancelled(attempt: OperationInput, cluster_state: str | None) -> OperationOutcome:
    """Cancelled after the PUT: the cluster may exist, so the portal link and a delete."""
    return cancelled_outcome(attempt, cluster_seen=True, cluster_state=cluster_state)


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
    # Abort our create, then record what ARM says: a create that won the race succeeded.
    cancel=cancel_try(names.ABORT_CLUSTER_CREATE, cluster_outcome, _create_cancelled),
    after_success=_grant_access,
)
