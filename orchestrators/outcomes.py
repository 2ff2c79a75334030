"""Pure helpers for orchestrators: the custom status and the terminal outcomes they record."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from provisioning.errors.product import (
    CLUSTER_DISAPPEARED,
    PROVISIONING_FAILED,
    cancelled_error,
    deadline_error,
    partial_cluster_actions,
)
from provisioning.models import ClassifiedError, TaskStatus
from provisioning.operations.messages import OperationInput, OperationOutcome, PollResult
from provisioning.operations.step_tables import TERMINAL_CLUSTER_STATES, Phase


def progress_status(
    attempt: OperationInput,
    phase: Phase,
    cluster_state: str | None = None,
    *,
    cluster_seen: bool = False,
    status: str = "running",
    step: str | None = None,
) -> dict[str, Any]:
    """Custom status (well under 16 KB): the live progress an operator sees in the monitor.

    The step name and index come from the operation's step table; `step` overrides the
    name only for a passing condition (Azure not answering) within the same step.
    """
    return {
        "task_id": attempt.task_id,
        "status": status,
        "step": step or attempt.steps.name(phase),
        "step_index": attempt.steps.index(phase),
        "total_steps": attempt.steps.total,
        "cluster_state": cluster_state,
        "cluster_seen": cluster_seen,
        "portal_url": attempt.portal_url if cluster_seen else None,
    }


def with_partial_cluster_actions(error: ClassifiedError, portal_url: str | None) -> ClassifiedError:
    """A failure that left a cluster resource behind offers the portal link and a delete."""
    kinds = {action.kind for action in error.actions}
    extra = tuple(a for a in partial_cluster_actions(portal_url) if a.kind not in kinds)
    return replace(error, actions=error.actions + extra)


def failed_outcome(
    error: ClassifiedError,
    cluster_state: str | None,
    *,
    cluster_seen: bool,
    portal_url: str | None = None,
) -> OperationOutcome:
    """Failed; if the cluster resource exists the user is offered a way to remove it."""
    if cluster_seen:
        error = with_partial_cluster_actions(error, portal_url)
    return OperationOutcome(TaskStatus.FAILED, error, cluster_state, cluster_seen, "Failed")


def succeeded_outcome(
    attempt: OperationInput, cluster_state: str | None, *, cluster_seen: bool
) -> OperationOutcome:
    """Succeeded, named as the operation's step table names its success."""
    return OperationOutcome(
        TaskStatus.SUCCEEDED, None, cluster_state, cluster_seen, attempt.steps.succeeded
    )


def cancelled_outcome(
    attempt: OperationInput, *, cluster_seen: bool, cluster_state: str | None
) -> OperationOutcome:
    """Cancelled; after the PUT the cluster may exist, so portal link and delete are offered."""
    error = cancelled_error(cluster_seen, attempt.portal_url if cluster_seen else None)
    return OperationOutcome(TaskStatus.CANCELLED, error, cluster_state, cluster_seen, "Cancelled")


def deadline_outcome(
    attempt: OperationInput, cluster_state: str | None, *, cluster_seen: bool = True
) -> OperationOutcome:
    """The cluster did not settle before the deadline (it may still be changing)."""
    error = deadline_error(attempt.deadline_minutes, attempt.portal_url)
    return failed_outcome(
        error, cluster_state, cluster_seen=cluster_seen, portal_url=attempt.portal_url
    )


def _created(attempt: OperationInput, state: str) -> OperationOutcome:
    return succeeded_outcome(attempt, state, cluster_seen=True)


def _create_cancelled(attempt: OperationInput, state: str) -> OperationOutcome:
    return cancelled_outcome(attempt, cluster_seen=True, cluster_state=state)


def _create_failed(attempt: OperationInput, state: str) -> OperationOutcome:
    return failed_outcome(
        PROVISIONING_FAILED, state, cluster_seen=True, portal_url=attempt.portal_url
    )


# How a create ends in each terminal provisioningState (a poll error takes precedence).
CREATE_ENDINGS = {
    "Succeeded": _created,
    "Canceled": _create_cancelled,
    "Failed": _create_failed,
}


def cluster_outcome(attempt: OperationInput, polled: PollResult) -> OperationOutcome | None:
    """The outcome a poll of a create implies, or None while the cluster is still changing."""
    state = polled.cluster_state
    if polled.error is not None:
        return failed_outcome(polled.error, state, cluster_seen=True, portal_url=attempt.portal_url)
    if state in TERMINAL_CLUSTER_STATES:
        return CREATE_ENDINGS[state](attempt, state)
    if polled.gone:
        return failed_outcome(
            CLUSTER_DISAPPEARED, None, cluster_seen=True, portal_url=attempt.portal_url
        )
    return None
