"""Structured attempt events: every log line about an attempt carries the same dimensions."""

from __future__ import annotations

import logging

from provisioning.identity import hashed_owner
from provisioning.jobstate import JobState

logger = logging.getLogger("provisioning.attempts")


def attempt_dimensions(job: JobState) -> dict[str, object]:
    """Task id, hashed owner, cluster and outcome: what App Insights shows as customDimensions."""
    return {
        "task_id": job.task_id,
        "owner_hash": hashed_owner(job.owner_id),
        "task_type": str(job.type),
        "cluster_name": job.request.cluster_name,
        "resource_group": job.request.resource_group,
        "region": job.request.region,
        "outcome": str(job.status),
        "category": str(job.error.category) if job.error else "",
        "cluster_seen": job.cluster_seen,
        "duration_seconds": round((job.updated_at - job.created_at).total_seconds(), 3),
    }


def log_attempt_event(event: str, job: JobState) -> None:
    """Log one attempt event (attempt_accepted, attempt_progress, attempt_finished)."""
    dimensions = attempt_dimensions(job)
    logger.info(
        "%s task=%s owner=%s cluster=%s/%s outcome=%s category=%s",
        event,
        job.task_id,
        dimensions["owner_hash"],
        job.request.resource_group,
        job.request.cluster_name,
        dimensions["outcome"],
        dimensions["category"] or "-",
        extra={"event": event, **dimensions},
    )
