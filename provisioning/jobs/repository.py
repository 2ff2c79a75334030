"""JobState rows in Azure Table Storage: one insert at accept time, ETag-guarded updates.

Rows change only through pure mutate functions (jobstate_rules) applied by update() under
the row's ETag; every query is a parameterised filter over JobStateProperty names. The
claims beside the rows (idempotency keys, active slots) live in `self.claims`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from provisioning.jobs.claims import ClaimsRepository
from provisioning.jobs.entity import JobStateProperty as P
from provisioning.jobs.entity import job_from_entity, job_to_entity
from provisioning.jobs.rows import RaceLost, insert_row, read_row, replace_row, retry_races
from provisioning.jobs.rules import dismiss as dismiss_job
from provisioning.jobs.rules import resolve as resolve_job
from provisioning.jobs.state import JobState, cluster_key
from provisioning.jobs.tables import ensure_table, storage_call
from provisioning.jobs.task_ids import is_task_id, rowkey_lower_bound, rowkey_upper_bound
from provisioning.models import TaskStatus, TaskType

if TYPE_CHECKING:
    from azure.data.tables import TableClient

logger = logging.getLogger(__name__)

# How often an ETag conflict is retried before the caller is told to degrade.
UPDATE_ATTEMPTS = 8
MAX_PAGE_SIZE = 1000

# Older attempts have larger RowKeys (inverted time): `gt @before` means "created earlier".
EARLIER_FAILURES_FILTER = (
    f"{P.PARTITION_KEY} eq @pk and {P.ROW_KEY} gt @before and {P.TYPE} eq @type"
    f" and ( {P.STATUS} eq @failed or {P.STATUS} eq @cancelled )"
)
# Every task type the product writes (rows of any other type are not ours to show).
HISTORY_TYPES = {f"type{index}": str(kind) for index, kind in enumerate(TaskType)}
HISTORY_FILTER = (
    f"{P.PARTITION_KEY} eq @pk and ( "
    + " or ".join(f"{P.TYPE} eq @{name}" for name in HISTORY_TYPES)
    + " )"
)
# Only rows inside the window, and only failure candidates, leave the service.
FAILURES_IN_WINDOW_FILTER = (
    f"{P.PARTITION_KEY} eq @pk and {P.ROW_KEY} ge @lo and {P.ROW_KEY} lt @hi and {P.TYPE} eq @type"
    f" and ( {P.STATUS} eq @failed or ( {P.STATUS} eq @cancelled and {P.CLUSTER_SEEN} eq true ) )"
)
# The owner's queued or running tasks: what the clusters list names as operations.
ACTIVE_FILTER = f"{P.PARTITION_KEY} eq @pk and ( {P.STATUS} eq @queued or {P.STATUS} eq @running )"
# One cluster's operations (a partition scan, newest first): what the guardrails read.
CLUSTER_FILTER = (
    f"{P.PARTITION_KEY} eq @pk and {P.RESOURCE_GROUP} eq @rg and {P.CLUSTER_NAME} eq @name"
)
_FAILED_OR_CANCELLED = {"failed": str(TaskStatus.FAILED), "cancelled": str(TaskStatus.CANCELLED)}


class JobStateRepository:
    """Reads and writes JobState rows; every user value reaches a filter as a parameter."""

    def __init__(self, table_client: TableClient, claims_table_client: TableClient) -> None:
        self.table_client = table_client
        self.claims = ClaimsRepository(claims_table_client, self._status_of)

    def ensure_tables(self) -> None:
        """Create the JobState and claims tables unless they exist."""
        ensure_table(self.table_client)
        ensure_table(self.claims.table_client)

    # --- rows of one attempt ---

    def insert_new(self, job: JobState) -> None:
        """The single accept-time write (status queued); a replayed create counts as done."""
        with storage_call("insert JobState"):
            if insert_row(self.table_client, job_to_entity(job)) is None:
                logger.info("JobState %s already exists; insert treated as done", job.task_id)

    def get(self, owner_id: str, task_id: str) -> JobState | None:
        """The attempt, or None when it does not exist in this owner's partition."""
        if not is_task_id(task_id):
            return None
        with storage_call("read JobState"):
            entity = read_row(self.table_client, owner_id, task_id)
        return job_from_entity(entity) if entity is not None else None

    def _status_of(self, owner_id: str, task_id: str) -> TaskStatus | None:
        """What the claims need to know of a slot holder: its status, None before its row."""
        job = self.get(owner_id, task_id)
        return job.status if job is not None else None

    def upsert_missing(self, job: JobState) -> JobState:
        """Create the row if the accept-time insert never landed; never touch an existing one."""

        def attempt() -> JobState:
            etag = insert_row(self.table_client, job_to_entity(job))
            if etag is not None:
                logger.info("JobState %s was missing; created by a later step", job.task_id)
                return replace(job, etag=etag)
            existing = self.get(job.owner_id, job.task_id)
            if existing is None:
                raise RaceLost
            return existing

        return retry_races("upsert missing JobState", attempt, attempts=UPDATE_ATTEMPTS)

    def update(
        self,
        owner_id: str,
        task_id: str,
        mutate: Callable[[JobState], JobState | None],
        *,
        attempts: int = UPDATE_ATTEMPTS,
    ) -> JobState | None:
        """Read, mutate, write back under the row's ETag; returns the stored state.

        `mutate` returns None to leave the row alone (e.g. a late progress update after a
        terminal status). Returns None only when the row does not exist.
        """

        def attempt() -> JobState | None:
            current = self.get(owner_id, task_id)
            if current is None:
                return None
            changed = mutate(current)
            if changed is None:
                return current
            if (changed.owner_id, changed.task_id) != (owner_id, task_id):
                raise ValueError("a JobState update may not change the row's keys")
            etag = replace_row(self.table_client, job_to_entity(changed), etag=current.etag)
            return replace(changed, etag=etag)

        return retry_races(f"update JobState {task_id}", attempt, attempts=attempts)

    def dismiss(self, owner_id: str, task_id: str, now: datetime) -> JobState | None:
        """Hide the failure on every device (idempotent)."""
        return self.update(owner_id, task_id, lambda job: dismiss_job(job, now=now))

    def resolve(
        self, owner_id: str, task_id: str, resolved_by: str, now: datetime | None = None
    ) -> JobState | None:
        """Mark the failure as made moot by `resolved_by` (idempotent; the first wins)."""
        moment = now or datetime.now(UTC)
        return self.update(owner_id, task_id, lambda job: resolve_job(job, resolved_by, now=moment))

    # --- queries ---

    def resolve_earlier_failures(
        self,
        owner_id: str,
        resource_group: str,
        cluster_name: str,
        resolved_by: str,
        before_task_id: str,
        now: datetime | None = None,
    ) -> list[str]:
        """Resolve older unresolved failures for the same RG + cluster; returns their ids."""
        moment = now or datetime.now(UTC)
        parameters = {
            "pk": owner_id,
            "before": before_task_id,
            "type": str(TaskType.AKS_PROVISION),
            **_FAILED_OR_CANCELLED,
        }
        wanted = cluster_key(resource_group, cluster_name)
        targets = [
            job.task_id
            for page in self._pages(EARLIER_FAILURES_FILTER, parameters)
            for job in page
            if job.is_reportable_failure and not job.resolved_by and job.cluster_key == wanted
        ]
        for task_id in targets:
            self.resolve(owner_id, task_id, resolved_by, now=moment)
        if targets:
            logger.info("attempt %s resolved %d earlier failures", resolved_by, len(targets))
        return targets

    def list_history(self, owner_id: str, limit: int) -> list[JobState]:
        """The owner's attempts of any type and status, newest first."""
        count = max(1, limit)
        parameters = {"pk": owner_id, **HISTORY_TYPES}
        pages = self._pages(HISTORY_FILTER, parameters, page_size=min(count, MAX_PAGE_SIZE))
        return list(islice((job for page in pages for job in page), count))

    def active_jobs(self, owner_id: str) -> dict[str, JobState]:
        """The owner's queued or running tasks by task id (only those rows leave the service)."""
        parameters = {
            "pk": owner_id,
            "queued": str(TaskStatus.QUEUED),
            "running": str(TaskStatus.RUNNING),
        }
        return {job.task_id: job for page in self._pages(ACTIVE_FILTER, parameters) for job in page}

    def cluster_history(
        self, owner_id: str, resource_group: str, cluster_name: str, limit: int
    ) -> list[JobState]:
        """The owner's newest operations on one cluster, newest first (at most `limit`)."""
        count = max(1, limit)
        parameters = {"pk": owner_id, "rg": resource_group, "name": cluster_name}
        pages = self._pages(CLUSTER_FILTER, parameters, page_size=min(count, MAX_PAGE_SIZE))
        return list(islice((job for page in pages for job in page), count))

    def failure_candidate_pages(
        self, owner_id: str, *, newest: datetime, oldest: datetime, page_size: int
    ) -> Iterator[list[JobState]]:
        """Pages of the owner's failed (or cancelled-with-cluster) provisions in [oldest, newest].

        A RowKey range: the service reads only rows created inside the window (docs/benchmarks.md).
        """
        parameters = {
            "pk": owner_id,
            "lo": rowkey_lower_bound(newest),
            "hi": rowkey_upper_bound(oldest),
            "type": str(TaskType.AKS_PROVISION),
            **_FAILED_OR_CANCELLED,
        }
        return self._pages(FAILURES_IN_WINDOW_FILTER, parameters, page_size=page_size)

    def _pages(
        self, query_filter: str, parameters: dict[str, Any], *, page_size: int | None = None
    ) -> Iterator[list[JobState]]:
        """Pages of rows for a parameterised filter; faults raise StorageUnavailable."""
        with storage_call("query JobState"):
            pages = self.table_client.query_entities(
                query_filter, parameters=parameters, results_per_page=page_size
            ).by_page()
            for page in pages:
                yield [job_from_entity(entity) for entity in page]
