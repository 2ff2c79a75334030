"""Asynchronous ARM operations: their kinds, and their status at any instant (no timers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CREATE = "create"
DELETE = "delete"
ABORT = "abort"
STOP = "stop"
START = "start"
UPGRADE = "upgrade"
AGENT_POOL = "agentPool"
AGENT_POOL_DELETE = "agentPoolDelete"
# Operations that change one agent pool: that pool carries the operation's state.
POOL_KINDS = frozenset({AGENT_POOL, AGENT_POOL_DELETE})

IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
CANCELED = "Canceled"
CANCELING = "Canceling"

# The cluster's provisioningState while an operation of each kind runs.
RUNNING_STATE = {
    CREATE: "Creating",
    DELETE: "Deleting",
    STOP: "Stopping",
    START: "Starting",
    UPGRADE: "Upgrading",
    AGENT_POOL: "Updating",
    AGENT_POOL_DELETE: "Updating",
}
# What a succeeded operation of each kind does to the cluster's powerState.
POWER_AFTER = {STOP: "Stopped", START: "Running"}


@dataclass
class Operation:
    """One asynchronous ARM operation, fully described by when it started and how it ends."""

    id: str
    kind: str
    subscription_id: str
    location: str
    started_at: float
    duration: float
    outcome: str = SUCCEEDED
    error: dict[str, Any] | None = None
    canceled_at: float | None = None
    cancel_seconds: float = 0.0
    cancel_error: dict[str, Any] | None = None
    pool: str | None = None
    pool_state: str | None = None


@dataclass(frozen=True)
class OperationStatus:
    """What the async-operation status resource reports at one instant."""

    status: str
    end_time: float | None
    error: dict[str, Any] | None


def operation_status(op: Operation, now: float) -> OperationStatus:
    """Status of an operation at `now`: cancellation wins if requested before the natural end."""
    natural_end = op.started_at + op.duration
    if op.canceled_at is not None and op.canceled_at < natural_end:
        cancel_end = op.canceled_at + op.cancel_seconds
        if now < cancel_end:
            return OperationStatus(IN_PROGRESS, None, None)
        return OperationStatus(CANCELED, cancel_end, op.cancel_error)
    if now < natural_end:
        return OperationStatus(IN_PROGRESS, None, None)
    return OperationStatus(op.outcome, natural_end, op.error if op.outcome == FAILED else None)


def is_running(op: Operation, now: float) -> bool:
    """Whether the operation is still in progress at `now`."""
    return operation_status(op, now).status == IN_PROGRESS


def _canceling(op: Operation, now: float) -> bool:
    return op.canceled_at is not None and op.canceled_at <= now


def provisioning_state(op: Operation, now: float) -> str | None:
    """The cluster's provisioningState implied by its latest operation; None once deleted."""
    status = operation_status(op, now).status
    if op.kind == DELETE:
        return RUNNING_STATE[DELETE] if status == IN_PROGRESS else None
    if status == IN_PROGRESS:
        return CANCELING if _canceling(op, now) else RUNNING_STATE[op.kind]
    return status


def pool_provisioning_state(op: Operation, pool_name: str, cluster_state: str, now: float) -> str:
    """An agent pool's provisioningState: its own operation's, else the cluster's."""
    if op.kind not in POOL_KINDS:
        return cluster_state
    if op.pool is None or op.pool.lower() != pool_name.lower():
        return SUCCEEDED
    status = operation_status(op, now).status
    if status == IN_PROGRESS:
        return CANCELING if _canceling(op, now) else str(op.pool_state or "Updating")
    return status
