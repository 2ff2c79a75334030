"""One step table per operation type: the single source of step names, indexes and totals.

Every durable cluster operation runs the same phases (begin, submit, wait, finish); a type
names its submit and wait steps, and may add a step after the cluster succeeded (the create
grants its creator access). Both the orchestration's custom status and the JobState row
read their step names and indexes from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from provisioning.models import TaskType


class Phase(IntEnum):
    """The phases a cluster operation goes through, in order (a table may skip GRANTING)."""

    QUEUED = 0
    STARTING = 1
    SUBMITTING = 2
    WAITING = 3
    # After Azure finished: the create grants the caller access to the new cluster.
    GRANTING = 4
    FINISHING = 5


# Cluster provisioningStates after which ARM will not change the cluster on its own.
TERMINAL_CLUSTER_STATES = frozenset({"Succeeded", "Failed", "Canceled"})


@dataclass(frozen=True)
class OperationSteps:
    """The steps of one operation type, in order; "Queued" is step 0 and is not counted."""

    task_type: TaskType
    submitting: str
    waiting: str
    succeeded: str
    queued: str = "Queued"
    starting: str = "Starting"
    finishing: str = "Finishing"
    # The step after the cluster succeeded, if this type has one.
    granting: str | None = None

    @property
    def phases(self) -> tuple[Phase, ...]:
        """The phases this type runs, in order (GRANTING only when it has that step)."""
        return tuple(p for p in Phase if p is not Phase.GRANTING or self.granting is not None)

    @property
    def names(self) -> tuple[str, ...]:
        """Every step name, in step-index order."""
        return tuple(self.name(phase) for phase in self.phases)

    @property
    def total(self) -> int:
        """TotalSteps as the user sees it ("Step N of total")."""
        return len(self.phases) - 1

    def index(self, phase: Phase) -> int:
        """StepIndex of `phase` in this table ("Step N")."""
        return self.phases.index(phase)

    def name(self, phase: Phase) -> str:
        """The step name shown while the operation is in `phase`."""
        names = {
            Phase.QUEUED: self.queued,
            Phase.STARTING: self.starting,
            Phase.SUBMITTING: self.submitting,
            Phase.WAITING: self.waiting,
            Phase.GRANTING: self.granting,
            Phase.FINISHING: self.finishing,
        }
        name = names[phase]
        if name is None:
            raise KeyError(f"{self.task_type} has no {phase.name} step")
        return name


PROVISION_STEPS = OperationSteps(
    TaskType.AKS_PROVISION,
    submitting="Submitting cluster to Azure",
    waiting="Creating cluster",
    succeeded="Succeeded",
    granting="Granting you access",
)
DELETE_STEPS = OperationSteps(
    TaskType.AKS_DELETE,
    submitting="Deleting cluster",
    waiting="Waiting for deletion",
    succeeded="Deleted",
)
STOP_STEPS = OperationSteps(
    TaskType.AKS_STOP,
    submitting="Stopping cluster",
    waiting="Waiting for the cluster to stop",
    succeeded="Stopped",
)
START_STEPS = OperationSteps(
    TaskType.AKS_START,
    submitting="Starting cluster",
    waiting="Waiting for the cluster to start",
    succeeded="Started",
)
SCALE_STEPS = OperationSteps(
    TaskType.AKS_SCALE,
    submitting="Scaling node pool",
    waiting="Waiting for the node pool",
    succeeded="Scaled",
)
UPGRADE_STEPS = OperationSteps(
    TaskType.AKS_UPGRADE,
    submitting="Upgrading control plane",
    waiting="Waiting for the upgrade",
    succeeded="Upgraded",
)
STEPS_BY_TYPE: dict[TaskType, OperationSteps] = {
    steps.task_type: steps
    for steps in (
        PROVISION_STEPS,
        DELETE_STEPS,
        STOP_STEPS,
        START_STEPS,
        SCALE_STEPS,
        UPGRADE_STEPS,
    )
}


def steps_for(task_type: TaskType | str) -> OperationSteps:
    """The step table of an operation type (KeyError for a type with no table yet)."""
    return STEPS_BY_TYPE[TaskType(task_type)]
