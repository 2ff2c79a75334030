"""Structured attempt events: every log line about an attempt carries the same dimensions."""

from __future__ import annotations

import json
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
    payload = {"event": event, **attempt_dimensions(job)}
    # The Functions Python worker drops `extra` unless OpenTelemetry is on, so the message
    # itself ends with the dimensions as JSON (docs/monitoring.md's KQL parses from "{").
    logger.info(
        "%s task=%s outcome=%s category=%s %s",
        event,
        job.task_id,
        payload["outcome"],
        payload["category"] or "-",
        json.dumps(payload, sort_keys=True, default=str),
        extra=payload,
    )
