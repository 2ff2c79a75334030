"""The caller's unresolved failed attempts in a time window, read by RowKey range."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from provisioning.jobstate import JobState, rowkey_lower_bound, rowkey_upper_bound
from provisioning.jobstate_repository import MAX_PAGE_SIZE, JobStateRepository, storage_call
from provisioning.models import TaskStatus, TaskType

if TYPE_CHECKING:
    from azure.data.tables import TableClient

logger = logging.getLogger(__name__)

# Only rows inside the window, and only failure candidates, leave the service.
RECENT_FAILURES_FILTER = (
    "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi and Type eq @type"
    " and ( Status eq @failed or ( Status eq @cancelled and ClusterSeen eq true ) )"
)


@dataclass(frozen=True)
class RecentFailures:
    """The failures found, plus how many entities the store returned to find them."""

    jobs: list[JobState] = field(default_factory=list)
    entities_read: int = 0


def page_size_for(limit: int) -> int:
    """The limit plus a margin for dismissed/resolved candidates: usually one round trip.

    The service already drops everything but failures and cancels that left a cluster,
    so the margin only has to cover failures the user dismissed or a success resolved.
    """
    return min(MAX_PAGE_SIZE, limit + max(2, limit // 2))


def recent_failures(
    source: JobStateRepository | TableClient,
    owner_id: str,
    *,
    now: datetime,
    hours: int,
    limit: int,
) -> RecentFailures:
    """Unresolved failed (or cancelled-with-cluster) provisions created in [now-hours, now]."""
    table: Any = source.table_client if isinstance(source, JobStateRepository) else source
    wanted = max(1, limit)
    parameters = {
        "pk": owner_id,
        "lo": rowkey_lower_bound(now),
        "hi": rowkey_upper_bound(now - timedelta(hours=hours)),
        "type": str(TaskType.AKS_PROVISION),
        "failed": str(TaskStatus.FAILED),
        "cancelled": str(TaskStatus.CANCELLED),
    }
    found: list[JobState] = []
    read = 0
    with storage_call("query recent failures"):
        pages = table.query_entities(
            RECENT_FAILURES_FILTER, parameters=parameters, results_per_page=page_size_for(wanted)
        ).by_page()
        for page in pages:
            for entity in page:
                read += 1
                job = JobState.from_entity(entity)
                if job.is_reportable_failure and not job.is_resolved and len(found) < wanted:
                    found.append(job)
            if len(found) >= wanted:
                break
    logger.debug("recent failures for window %dh: %d found, %d read", hours, len(found), read)
    return RecentFailures(jobs=found, entities_read=read)
