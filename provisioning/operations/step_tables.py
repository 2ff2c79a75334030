"""Step tables: the names, indexes and totals of the steps a user sees ("Step N of M").

Every durable cluster operation runs the same phases (begin, submit, wait, finish); a type
names its submit and wait steps, and may add a step after the cluster succeeded (the create
grants its creator access). Each operation type's table is part of its spec in
operations.registry; the orchestration's custom status and the JobState row both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from provisioning.models import SETTLED_CLUSTER_STATES


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
TERMINAL_CLUSTER_STATES = SETTLED_CLUSTER_STATES


@dataclass(frozen=True)
class OperationSteps:
    """The steps of one operation type, in order; "Queued" is step 0 and is not counted."""

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
            raise KeyError(f"this operation type has no {phase.name} step")
        return name
