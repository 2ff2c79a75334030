"""The caller's unresolved failed attempts in a time window, read by RowKey range."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from provisioning.jobs.repository import MAX_PAGE_SIZE, JobStateRepository
from provisioning.jobs.state import JobState

logger = logging.getLogger(__name__)


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
    repo: JobStateRepository,
    owner_id: str,
    *,
    now: datetime,
    hours: int,
    limit: int,
) -> RecentFailures:
    """Unresolved failed (or cancelled-with-cluster) provisions created in [now-hours, now]."""
    wanted = max(1, limit)
    pages = repo.failure_candidate_pages(
        owner_id, newest=now, oldest=now - timedelta(hours=hours), page_size=page_size_for(wanted)
    )
    found: list[JobState] = []
    read = 0
    for page in pages:
        read += len(page)
        found += [job for job in page if job.is_reportable_failure and not job.is_resolved]
        if len(found) >= wanted:
            break
    logger.debug("recent failures for window %dh: %d found, %d read", hours, len(found), read)
    return RecentFailures(jobs=found[:wanted], entities_read=read)
