"""The JobState row of one task (README, "Data model") as a value: its fields and meaning.

Where the rest lives: task ids in `jobs.task_ids`, the table mapping and property names in
`jobs.entity`, the status rules in `jobs.rules`, storage in `jobs.repository`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from provisioning.models import (
    ClassifiedError,
    ProvisionRequest,
    TaskStatus,
    TaskType,
    Trigger,
)

# Step 0 of every step table: what an accepted attempt shows until its first activity runs.
QUEUED_STEP = "Queued"


def cluster_key(resource_group: str, cluster_name: str) -> str:
    """One ARM cluster, however its names are cased (Azure names are case-insensitive)."""
    return f"{resource_group.lower()}/{cluster_name.lower()}"


@dataclass(frozen=True)
class JobState:
    """One attempt as stored in the JobState table (PartitionKey owner, RowKey task id)."""

    owner_id: str
    task_id: str
    type: TaskType
    status: TaskStatus
    created_at: datetime
    updated_at: datetime
    request: ProvisionRequest
    step: str | None = None
    step_index: int = 0
    total_steps: int = 0
    cluster_state: str | None = None
    cluster_seen: bool = False
    portal_url: str | None = None
    error: ClassifiedError | None = None
    # What a succeeded attempt could not do (the create's access grant): shown, never a failure.
    warning: ClassifiedError | None = None
    dismissed_at: datetime | None = None
    resolved_by: str | None = None
    target_task_id: str | None = None
    # Who started it: the user, or a guardrail (with the idle rule's minutes for an idle stop).
    trigger: Trigger = Trigger.USER
    trigger_minutes: int | None = None
    # Edit & retry: the failed attempt this one retries; its success resolves that failure.
    retry_of: str | None = None
    etag: str | None = field(default=None, compare=False)

    @classmethod
    def new(
        cls,
        owner_id: str,
        task_id: str,
        request: ProvisionRequest,
        *,
        now: datetime,
        task_type: TaskType = TaskType.AKS_PROVISION,
        total_steps: int = 0,
        target_task_id: str | None = None,
        trigger: Trigger = Trigger.USER,
        trigger_minutes: int | None = None,
        retry_of: str | None = None,
    ) -> JobState:
        """A queued attempt as written at accept time."""
        return cls(
            owner_id=owner_id,
            task_id=task_id,
            type=task_type,
            status=TaskStatus.QUEUED,
            created_at=now,
            updated_at=now,
            request=request,
            step=QUEUED_STEP,
            total_steps=total_steps,
            target_task_id=target_task_id,
            trigger=trigger,
            trigger_minutes=trigger_minutes,
            retry_of=retry_of,
        )

    @property
    def cluster_key(self) -> str:
        """The ARM cluster this attempt is about (see cluster_key())."""
        return cluster_key(self.request.resource_group, self.request.cluster_name)

    @property
    def is_resolved(self) -> bool:
        """Dismissed or made moot by a later attempt: hidden from recent failures."""
        return self.dismissed_at is not None or bool(self.resolved_by)

    @property
    def is_reportable_failure(self) -> bool:
        """A provision that failed, or was cancelled after leaving a cluster behind."""
        if self.type != TaskType.AKS_PROVISION:
            return False
        if self.status == TaskStatus.FAILED:
            return True
        return self.status == TaskStatus.CANCELLED and self.cluster_seen
