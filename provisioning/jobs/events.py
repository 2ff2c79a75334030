"""Structured attempt and preflight events: every line about one carries the same dimensions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from provisioning.access.identity import hashed_owner
from provisioning.jobs.state import JobState
from provisioning.models import ProvisionRequest
from provisioning.telemetry import log_event

if TYPE_CHECKING:  # preflight_checks loads the catalog readers; events need only the results
    from provisioning.preflight.checks import CheckResult

logger = logging.getLogger("provisioning.operations.attempts")
preflight_logger = logging.getLogger("provisioning.preflight_events")
# Enough to group failures by message in the workbook; the task document has the whole text.
ERROR_MESSAGE_CHARS = 300


def attempt_dimensions(job: JobState) -> dict[str, object]:
    """Task id, hashed owner, cluster and outcome: what App Insights shows as customDimensions."""
    return {
        "task_id": job.task_id,
        "owner_hash": hashed_owner(job.owner_id),
        "task_type": str(job.type),
        "trigger": str(job.trigger),
        "cluster_name": job.request.cluster_name,
        "resource_group": job.request.resource_group,
        "region": job.request.region,
        "outcome": str(job.status),
        "category": str(job.error.category) if job.error else "",
        "error_code": job.error.code if job.error else "",
        "error_message": job.error.message[:ERROR_MESSAGE_CHARS] if job.error else "",
        "cluster_seen": job.cluster_seen,
        "duration_seconds": round((job.updated_at - job.created_at).total_seconds(), 3),
    }


def log_attempt_event(event: str, job: JobState) -> None:
    """Log one attempt event (attempt_accepted, attempt_finished)."""
    dimensions = attempt_dimensions(job)
    summary = (
        f"task={job.task_id} outcome={dimensions['outcome']} "
        f"category={dimensions['category'] or '-'}"
    )
    log_event(logger, event, dimensions, summary)


def preflight_dimensions(
    request: ProvisionRequest, owner_id: str, checks: Sequence[CheckResult]
) -> dict[str, object]:
    """Region, hashed owner and `id=status` of every check, flat so customDimensions keeps it."""
    return {
        "owner_hash": hashed_owner(owner_id),
        "cluster_name": request.cluster_name,
        "resource_group": request.resource_group,
        "region": request.region,
        "checks": ",".join(f"{check.id}={check.status}" for check in checks),
        "failed_checks": ",".join(check.id for check in checks if check.status == "fail"),
    }


def log_preflight_checked(
    request: ProvisionRequest, owner_id: str, checks: Sequence[CheckResult]
) -> None:
    """Log the preflight_checked event: which checks failed, for the workbook's preflight chart."""
    dimensions = preflight_dimensions(request, owner_id, checks)
    log_event(
        preflight_logger,
        "preflight_checked",
        dimensions,
        f"failed={dimensions['failed_checks'] or '-'}",
    )
