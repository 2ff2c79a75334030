"""The JSON shapes of an attempt in the HTTP contract (README)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioning.jobs.state import JobState
from provisioning.models import TaskType, Trigger
from provisioning.utc import as_utc

# What Activity and Recent attempts say about an operation a guardrail started.
AUTOMATIC_SUMMARIES: dict[tuple[TaskType, Trigger], str] = {
    (TaskType.AKS_STOP, Trigger.IDLE): "Stopped automatically: idle for {idle}",
    (TaskType.AKS_STOP, Trigger.SCHEDULE): "Stopped automatically: working hours",
    (TaskType.AKS_START, Trigger.SCHEDULE): "Started automatically: working hours",
    (TaskType.AKS_DELETE, Trigger.EXPIRY): "Deleted automatically: expired",
}

RECENT_FAILURE_FIELDS = (
    "task_id",
    "status",
    "created_at",
    "updated_at",
    "request",
    "progress",
    "error",
)


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, the form browsers parse everywhere."""
    if moment is None:
        return None
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_text(minutes: int) -> str:
    """Minutes as people say them: "15 minutes", "1 hour", "2 hours", "90 minutes"."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def automatic_summary(job: JobState) -> str | None:
    """The line naming why a guardrail ran this operation (None for a user's own)."""
    template = AUTOMATIC_SUMMARIES.get((job.type, job.trigger))
    if template is None:
        return None
    return template.format(idle=duration_text(job.trigger_minutes or 0))


def task_document(job: JobState) -> dict[str, Any]:
    """GET /api/tasks/{task_id}: everything a client needs to render the attempt."""
    request = job.request
    document: dict[str, Any] = {
        "task_id": job.task_id,
        "type": str(job.type),
        "status": str(job.status),
        "created_at": iso_utc(job.created_at),
        "updated_at": iso_utc(job.updated_at),
        "request": {
            "subscription_id": request.subscription_id,
            "resource_group": request.resource_group,
            "cluster_name": request.cluster_name,
            "region": request.region,
            "node_vm_size": request.node_vm_size,
            "node_count": request.node_count,
            "kubernetes_version": request.kubernetes_version,
            "user_pool": request.user_pool.to_dict() if request.user_pool else None,
            "access": str(request.access),
            "retry_of": job.retry_of,
        },
        "progress": {
            "step": job.step,
            "step_index": job.step_index,
            "total_steps": job.total_steps,
            "cluster_state": job.cluster_state,
            "cluster_seen": job.cluster_seen,
            "portal_url": job.portal_url,
        },
        "error": job.error.to_dict() if job.error is not None else None,
        # A success that left something undone (e.g. "Grant access"): shown, not a failure.
        "warning": job.warning.to_dict() if job.warning is not None else None,
        "dismissed_at": iso_utc(job.dismissed_at),
        "trigger": str(job.trigger),
        "trigger_summary": automatic_summary(job),
    }
    if job.type == TaskType.AKS_DELETE:
        document["target_task_id"] = job.target_task_id
    return document


def recent_failure_row(job: JobState) -> dict[str, Any]:
    """A row of GET /api/aks/recent-failed-provisions: the task document's core fields."""
    document = task_document(job)
    return {name: document[name] for name in RECENT_FAILURE_FIELDS}
