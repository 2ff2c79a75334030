"""Pure helpers for orchestrators: custom status and terminal outcomes as small JSON dicts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from provisioning.attempts import TOTAL_STEPS
from provisioning.models import ClassifiedError, TaskStatus
from provisioning.product_errors import (
    CLUSTER_DISAPPEARED,
    PROVISIONING_FAILED,
    cancelled_error,
    deadline_error,
    partial_cluster_actions,
)

TERMINAL_CLUSTER_STATES = ("Succeeded", "Failed", "Canceled")


def progress_status(
    attempt: dict[str, Any],
    step: str,
    step_index: int,
    cluster_state: str | None = None,
    *,
    cluster_seen: bool = False,
    status: str = "running",
) -> dict[str, Any]:
    """Custom status (well under 16 KB): the live progress any client can read."""
    return {
        "task_id": attempt["task_id"],
        "status": status,
        "step": step,
        "step_index": step_index,
        "total_steps": TOTAL_STEPS,
        "cluster_state": cluster_state,
        "cluster_seen": cluster_seen,
        "portal_url": attempt["portal_url"] if cluster_seen else None,
    }


def _outcome(
    status: TaskStatus,
    error: ClassifiedError | None,
    cluster_state: str | None,
    *,
    cluster_seen: bool,
    step: str,
) -> dict[str, Any]:
    return {
        "status": str(status),
        "error": error.to_dict() if error else None,
        "cluster_state": cluster_state,
        "cluster_seen": cluster_seen,
        "step": step,
    }


def with_partial_cluster_actions(error: ClassifiedError, portal_url: str | None) -> ClassifiedError:
    """A failure that left a cluster resource behind offers the portal link and a delete."""
    kinds = {action.kind for action in error.actions}
    extra = tuple(a for a in partial_cluster_actions(portal_url) if a.kind not in kinds)
    return replace(error, actions=error.actions + extra)


def failed_outcome(
    error: ClassifiedError | dict[str, Any],
    cluster_state: str | None,
    *,
    cluster_seen: bool,
    portal_url: str | None = None,
) -> dict[str, Any]:
    """Failed; if the cluster resource exists the user is offered a way to remove it."""
    classified = error if isinstance(error, ClassifiedError) else ClassifiedError.from_dict(error)
    if cluster_seen:
        classified = with_partial_cluster_actions(classified, portal_url)
    return _outcome(
        TaskStatus.FAILED, classified, cluster_state, cluster_seen=cluster_seen, step="Failed"
    )


def cancelled_outcome(
    attempt: dict[str, Any], *, cluster_seen: bool, cluster_state: str | None
) -> dict[str, Any]:
    """Cancelled; after the PUT the cluster may exist, so portal link and delete are offered."""
    error = cancelled_error(cluster_seen, attempt["portal_url"] if cluster_seen else None)
    return _outcome(
        TaskStatus.CANCELLED, error, cluster_state, cluster_seen=cluster_seen, step="Cancelled"
    )


def deadline_outcome(attempt: dict[str, Any], cluster_state: str | None) -> dict[str, Any]:
    """The cluster was not ready before the deadline (it may still be creating)."""
    error = deadline_error(attempt["deadline_minutes"], attempt["portal_url"])
    return failed_outcome(error, cluster_state, cluster_seen=True, portal_url=attempt["portal_url"])


def cluster_outcome(attempt: dict[str, Any], polled: dict[str, Any]) -> dict[str, Any] | None:
    """The outcome a poll result implies, or None while the cluster is still changing."""
    state = polled.get("cluster_state")
    portal_url = attempt["portal_url"]
    if polled.get("error"):
        return failed_outcome(polled["error"], state, cluster_seen=True, portal_url=portal_url)
    if state == "Succeeded":
        return _outcome(TaskStatus.SUCCEEDED, None, state, cluster_seen=True, step="Succeeded")
    if state == "Canceled":
        return cancelled_outcome(attempt, cluster_seen=True, cluster_state=state)
    if state == "Failed":
        return failed_outcome(PROVISIONING_FAILED, state, cluster_seen=True, portal_url=portal_url)
    if polled.get("gone"):
        return failed_outcome(CLUSTER_DISAPPEARED, None, cluster_seen=True, portal_url=portal_url)
    return None
