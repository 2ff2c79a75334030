"""Step tables: the names, indexes and totals of the steps a user sees ("Step N of M").

Every durable cluster operation runs the same phases (begin, submit, wait, finish); a type
only names its submit and wait steps. Each operation type's table is part of its spec in
operations.registry; the orchestration's custom status and the JobState row both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from provisioning.models import SETTLED_CLUSTER_STATES


class Phase(IntEnum):
    """The phases every cluster operation goes through; the value is the step index."""

    QUEUED = 0
    STARTING = 1
    SUBMITTING = 2
    WAITING = 3
    FINISHING = 4


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

    @property
    def names(self) -> tuple[str, ...]:
        """Every step name, indexed by Phase."""
        return (self.queued, self.starting, self.submitting, self.waiting, self.finishing)

    @property
    def total(self) -> int:
        """TotalSteps as the user sees it ("Step N of total")."""
        return len(self.names) - 1

    def name(self, phase: Phase) -> str:
        """The step name shown while the operation is in `phase`."""
        return self.names[phase]
