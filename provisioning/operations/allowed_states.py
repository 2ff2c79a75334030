"""Which lifecycle operation a cluster's state allows: a table the HTTP layer and tests read.

States are ARM's own: `provisioningState` (Succeeded, Failed, Creating, Updating, …) and
`powerState.code` (Running, Stopped). A state not listed for an operation refuses it with
409 `invalid_state` and the reason in the row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from provisioning.models import TaskType

logger = logging.getLogger(__name__)


class LifecycleOperation(StrEnum):
    """What a user can do to one of their clusters (DESIGN §15)."""

    STOP = "stop"
    START = "start"
    SCALE = "scale"
    UPGRADE = "upgrade"
    DELETE = "delete"

    @property
    def task_type(self) -> TaskType:
        """The JobState `Type` of this operation's task."""
        return TaskType(f"aks_{self.value}")


@dataclass(frozen=True)
class AllowedStates:
    """One row: the provisioning and power states in which an operation may start."""

    operation: LifecycleOperation
    provisioning_states: frozenset[str]
    power_states: frozenset[str | None]
    refusal: str


SETTLED = frozenset({"Succeeded", "Failed", "Canceled"})

ALLOWED_STATES: tuple[AllowedStates, ...] = (
    AllowedStates(
        LifecycleOperation.STOP,
        SETTLED,
        frozenset({"Running"}),
        "only a running cluster that is not changing can be stopped",
    ),
    AllowedStates(
        LifecycleOperation.START,
        SETTLED,
        frozenset({"Stopped"}),
        "only a stopped cluster that is not changing can be started",
    ),
    AllowedStates(
        LifecycleOperation.SCALE,
        SETTLED,
        frozenset({"Running"}),
        "a stopped or changing cluster cannot be scaled; start it or wait",
    ),
    AllowedStates(
        LifecycleOperation.UPGRADE,
        frozenset({"Succeeded"}),
        frozenset({"Running"}),
        "only a running, healthy cluster can be upgraded",
    ),
    AllowedStates(
        LifecycleOperation.DELETE,
        SETTLED
        | frozenset({"Creating", "Updating", "Upgrading", "Scaling", "Stopping", "Starting"}),
        frozenset({"Running", "Stopped", None}),
        "the cluster is already being deleted",
    ),
)


def refusal_for(
    operation: LifecycleOperation, provisioning_state: str | None, power_state: str | None
) -> str | None:
    """Why `operation` may not start in this state, or None when it may."""
    row = next(r for r in ALLOWED_STATES if r.operation is operation)
    if provisioning_state in row.provisioning_states and power_state in row.power_states:
        return None
    return f"{row.refusal} (it is {provisioning_state or 'unknown'}, {power_state or 'unknown'})"
