"""JobState rows in Azure Table Storage: one insert at accept time, ETag-guarded updates."""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from provisioning.jobstate import JobState, is_task_id
from provisioning.jobstate import dismiss as dismiss_job
from provisioning.jobstate import resolve as resolve_job
from provisioning.models import ACTIVE_STATUSES, TaskStatus, TaskType

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.data.tables import TableClient

logger = logging.getLogger(__name__)

# How often an ETag conflict is retried before the caller is told to degrade.
UPDATE_ATTEMPTS = 8
CLAIM_ATTEMPTS = 5
# A slot holder whose JobState row is not written yet counts as active this long after its
# claim: the accept path claims the slot before it inserts the row.
ACTIVE_SLOT_GRACE = timedelta(minutes=2)
MAX_PAGE_SIZE = 1000


class StorageUnavailable(RuntimeError):
    """Table Storage did not answer usefully (down, slow, refused); callers degrade."""


class ConcurrencyConflict(StorageUnavailable):
    """An ETag-guarded write kept losing races; treated like a transient storage fault."""


def claims_table_name(jobstate_table_name: str) -> str:
    """The companion table holding idempotency keys and active-attempt slots."""
    return f"{jobstate_table_name}Claims"


def table_client_options(timeout_seconds: float) -> dict[str, Any]:
    """Client keywords that bound every storage call: short timeouts and one quick retry."""
    timeout = max(0.5, float(timeout_seconds))
    return {
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "retry_total": 1,
        "retry_connect": 1,
        "retry_read": 1,
        "retry_status": 1,
        "retry_backoff_factor": 0.2,
        "retry_backoff_max": 1,
        "timeout": 2 * timeout + 1,
    }


def table_client_from_connection_string(
    connection_string: str, table_name: str, *, timeout_seconds: float
) -> TableClient:
    """A bounded TableClient from a connection string (Azurite locally)."""
    from azure.data.tables import TableClient

    return TableClient.from_connection_string(
        connection_string, table_name=table_name, **table_client_options(timeout_seconds)
    )


def table_client_from_endpoint(
    endpoint: str, table_name: str, credential: TokenCredential, *, timeout_seconds: float
) -> TableClient:
    """A bounded TableClient using Entra ID (AzureWebJobsStorage__tableServiceUri in Azure)."""
    from azure.data.tables import TableClient

    return TableClient(
        endpoint=endpoint,
        table_name=table_name,
        credential=credential,
        **table_client_options(timeout_seconds),
    )


@contextmanager
def storage_call(what: str) -> Iterator[None]:
    """Turn any Azure SDK failure inside the block into StorageUnavailable."""
    from azure.core.exceptions import AzureError

    try:
        yield
    except AzureError as exc:
        raise StorageUnavailable(f"{what} failed: {type(exc).__name__}: {exc}") from exc


def _name_key(resource_group: str, cluster_name: str) -> str:
    """Azure names are case-insensitive, so the slot key is too."""
    joined = f"{resource_group.lower()}/{cluster_name.lower()}"
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def active_slot_row_key(resource_group: str, cluster_name: str) -> str:
    """Claims RowKey of the one-active-attempt lock for a resource group + cluster name."""
    return f"active-{_name_key(resource_group, cluster_name)}"


def idempotency_row_key(key: str) -> str:
    """Claims RowKey of an idempotency key (hashed: raw keys may hold '/' or '#')."""
    return f"idem-{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def same_cluster(job: JobState, resource_group: str, cluster_name: str) -> bool:
    """Same ARM resource: resource group and cluster names compare case-insensitively."""
    return (
        job.request.resource_group.lower() == resource_group.lower()
        and job.request.cluster_name.lower() == cluster_name.lower()
    )


@dataclass(frozen=True)
class IdempotencyClaim:
    """An Idempotency-Key's binding: the task it names and the request it was sent with."""

    task_id: str
    fingerprint: str | None
    claimed_at: datetime | None
    etag: str | None

    @classmethod
    def from_entity(cls, entity: Any) -> IdempotencyClaim:
        """A claim as read from the claims table (claims from before fingerprints have none)."""
        claimed_at = entity.get("ClaimedAt")
        if isinstance(claimed_at, datetime) and claimed_at.tzinfo is None:
            claimed_at = claimed_at.replace(tzinfo=UTC)
        return cls(
            task_id=str(entity.get("TaskId") or ""),
            fingerprint=str(entity.get("Fingerprint") or "") or None,
            claimed_at=claimed_at if isinstance(claimed_at, datetime) else None,
            etag=entity.metadata.get("etag"),
        )


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * (attempt + 1)))


class JobStateRepository:
    """Reads and writes JobState rows; every user value reaches a filter as a parameter."""

    def __init__(self, table_client: TableClient, claims_table_client: TableClient) -> None:
        self.table_client = table_client
        self.claims_table_client = claims_table_client

    # --- rows of one attempt ---

    def insert_new(self, job: JobState) -> None:
        """The single accept-time write (status queued); a replayed create counts as done."""
        from azure.core.exceptions import ResourceExistsError

        with storage_call("insert JobState"):
            try:
                self.table_client.create_entity(job.to_entity())
            except ResourceExistsError:
                logger.info("JobState %s already exists; insert treated as done", job.task_id)

    def get(self, owner_id: str, task_id: str) -> JobState | None:
        """The attempt, or None when it does not exist in this owner's partition."""
        from azure.core.exceptions import ResourceNotFoundError

        if not is_task_id(task_id):
            return None
        with storage_call("read JobState"):
            try:
                entity = self.table_client.get_entity(partition_key=owner_id, row_key=task_id)
            except ResourceNotFoundError:
                return None
        return JobState.from_entity(entity)

    def upsert_missing(self, job: JobState) -> JobState:
        """Create the row if the accept-time insert never landed; never touch an existing one."""
        from azure.core.exceptions import ResourceExistsError

        with storage_call("upsert missing JobState"):
            try:
                metadata = self.table_client.create_entity(job.to_entity())
            except ResourceExistsError:
                existing = self.get(job.owner_id, job.task_id)
                if existing is not None:
                    return existing
                metadata = self.table_client.create_entity(job.to_entity())
        logger.info("JobState %s was missing; created by a later step", job.task_id)
        return replace(job, etag=(metadata or {}).get("etag"))

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
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
        from azure.data.tables import UpdateMode

        for attempt in range(attempts):
            current = self.get(owner_id, task_id)
            if current is None:
                return None
            changed = mutate(current)
            if changed is None:
                return current
            if (changed.owner_id, changed.task_id) != (owner_id, task_id):
                raise ValueError("a JobState update may not change the row's keys")
            with storage_call("update JobState"):
                try:
                    metadata = self.table_client.update_entity(
                        changed.to_entity(),
                        mode=UpdateMode.REPLACE,
                        etag=current.etag,
                        match_condition=MatchConditions.IfNotModified,
                    )
                except ResourceModifiedError:
                    logger.debug("JobState %s changed underneath (attempt %d)", task_id, attempt)
                    _pause(attempt)
                    continue
                except ResourceNotFoundError:
                    return None
            return replace(changed, etag=(metadata or {}).get("etag"))
        raise ConcurrencyConflict(f"JobState {task_id} kept changing; gave up after {attempts}")

    def dismiss(self, owner_id: str, task_id: str, now: datetime) -> JobState | None:
        """Hide the failure on every device (idempotent)."""
        return self.update(owner_id, task_id, lambda job: dismiss_job(job, now=now))

    def resolve(
        self, owner_id: str, task_id: str, resolved_by: str, now: datetime | None = None
    ) -> JobState | None:
        """Mark the failure as made moot by `resolved_by` (idempotent; the first wins)."""
        moment = now or datetime.now(UTC)
        return self.update(
            owner_id, task_id, lambda job: resolve_job(job, resolved_by, now=moment)
        )

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
        # Older attempts have larger RowKeys (inverted time).
        candidates = self._query(
            "PartitionKey eq @pk and RowKey gt @before and Type eq @type"
            " and ( Status eq @failed or Status eq @cancelled )",
            {
                "pk": owner_id,
                "before": before_task_id,
                "type": str(TaskType.AKS_PROVISION),
                "failed": str(TaskStatus.FAILED),
                "cancelled": str(TaskStatus.CANCELLED),
            },
        )
        targets = [
            job.task_id
            for job in candidates
            if job.is_reportable_failure
            and not job.resolved_by
            and same_cluster(job, resource_group, cluster_name)
        ]
        for task_id in targets:
            self.resolve(owner_id, task_id, resolved_by, now=moment)
        if targets:
            logger.info("attempt %s resolved %d earlier failures", resolved_by, len(targets))
        return targets

    def list_history(self, owner_id: str, limit: int) -> list[JobState]:
        """The owner's attempts of any type and status, newest first."""
        count = max(1, limit)
        rows = self._query(
            "PartitionKey eq @pk and ( Type eq @provision or Type eq @delete )",
            {
                "pk": owner_id,
                "provision": str(TaskType.AKS_PROVISION),
                "delete": str(TaskType.AKS_DELETE),
            },
            page_size=min(count, MAX_PAGE_SIZE),
        )
        return list(islice(rows, count))

    def find_active(
        self, owner_id: str, resource_group: str, cluster_name: str
    ) -> JobState | None:
        """The newest queued or running provision for the same RG + cluster, if any."""
        rows = self._query(
            "PartitionKey eq @pk and Type eq @type and ( Status eq @queued or Status eq @running )",
            {
                "pk": owner_id,
                "type": str(TaskType.AKS_PROVISION),
                "queued": str(TaskStatus.QUEUED),
                "running": str(TaskStatus.RUNNING),
            },
        )
        return next((job for job in rows if same_cluster(job, resource_group, cluster_name)), None)

    def query_entities(
        self, query_filter: str, parameters: dict[str, Any], *, page_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of raw entities for a parameterised filter; faults raise StorageUnavailable."""
        with storage_call("query JobState"):
            pages = self.table_client.query_entities(
                query_filter, parameters=parameters, results_per_page=page_size
            ).by_page()
            for page in pages:
                yield list(page)

    def _query(
        self, query_filter: str, parameters: dict[str, Any], *, page_size: int | None = None
    ) -> Iterator[JobState]:
        for page in self.query_entities(query_filter, parameters, page_size=page_size):
            for entity in page:
                yield JobState.from_entity(entity)

    # --- claims: idempotency keys and the one-active-attempt slot ---

    def claim_idempotency_key(
        self, owner_id: str, key: str, task_id: str, fingerprint: str | None = None
    ) -> str:
        """The task id that owns this key for this owner: ours if we were first."""
        return self.claim_idempotency(owner_id, key, task_id, fingerprint).task_id

    def claim_idempotency(
        self,
        owner_id: str,
        key: str,
        task_id: str,
        fingerprint: str | None,
        *,
        now: datetime | None = None,
    ) -> IdempotencyClaim:
        """Bind the key to task_id (with the request's fingerprint) unless it is bound already.

        Returns the claim as stored: ours when `claim.task_id == task_id`, else the earlier one.
        """
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        row_key = idempotency_row_key(key)
        moment = now or datetime.now(UTC)
        entity = {
            "PartitionKey": owner_id,
            "RowKey": row_key,
            "TaskId": task_id,
            "Fingerprint": fingerprint or "",
            "ClaimedAt": moment,
        }
        for _ in range(CLAIM_ATTEMPTS):
            with storage_call("claim idempotency key"):
                try:
                    self.claims_table_client.create_entity(entity)
                    return IdempotencyClaim(task_id, fingerprint or None, moment, None)
                except ResourceExistsError:
                    pass
                try:
                    existing = self.claims_table_client.get_entity(
                        partition_key=owner_id, row_key=row_key
                    )
                except ResourceNotFoundError:
                    continue  # released between our create and our read: try again
            return IdempotencyClaim.from_entity(existing)
        raise ConcurrencyConflict("idempotency key claim kept racing a release")

    def take_over_idempotency_claim(
        self,
        owner_id: str,
        key: str,
        stale: IdempotencyClaim,
        task_id: str,
        fingerprint: str | None,
        *,
        now: datetime,
    ) -> bool:
        """Rebind a claim whose request never wrote its attempt; False if it changed meanwhile."""
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
        from azure.data.tables import UpdateMode

        if stale.etag is None:
            return False
        entity = {
            "PartitionKey": owner_id,
            "RowKey": idempotency_row_key(key),
            "TaskId": task_id,
            "Fingerprint": fingerprint or "",
            "ClaimedAt": now,
        }
        with storage_call("take over idempotency key"):
            try:
                self.claims_table_client.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=stale.etag,
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                return False
        logger.info("attempt %s took over an idempotency key from %s", task_id, stale.task_id)
        return True

    def release_idempotency_claim(self, owner_id: str, key: str, task_id: str) -> None:
        """Unbind the key from task_id (its attempt was not accepted); another holder stays."""
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError

        row_key = idempotency_row_key(key)
        for _ in range(CLAIM_ATTEMPTS):
            with storage_call("release idempotency key"):
                try:
                    existing = self.claims_table_client.get_entity(
                        partition_key=owner_id, row_key=row_key
                    )
                except ResourceNotFoundError:
                    return
                if str(existing.get("TaskId") or "") != task_id:
                    return
                try:
                    self.claims_table_client.delete_entity(
                        partition_key=owner_id,
                        row_key=row_key,
                        etag=existing.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                    return
                except ResourceModifiedError:
                    continue
        raise ConcurrencyConflict("idempotency key release kept racing")

    def claim_active_slot(
        self,
        owner_id: str,
        resource_group: str,
        cluster_name: str,
        task_id: str,
        *,
        now: datetime | None = None,
    ) -> str | None:
        """Take the RG + cluster slot for task_id; returns the active holder's id when busy."""
        from azure.core import MatchConditions
        from azure.core.exceptions import (
            ResourceExistsError,
            ResourceModifiedError,
            ResourceNotFoundError,
        )
        from azure.data.tables import UpdateMode

        moment = now or datetime.now(UTC)
        entity = {
            "PartitionKey": owner_id,
            "RowKey": active_slot_row_key(resource_group, cluster_name),
            "TaskId": task_id,
            "ClaimedAt": moment,
        }
        for attempt in range(CLAIM_ATTEMPTS):
            with storage_call("claim active slot"):
                try:
                    self.claims_table_client.create_entity(entity)
                    return None
                except ResourceExistsError:
                    pass
                try:
                    claim = self.claims_table_client.get_entity(
                        partition_key=owner_id, row_key=entity["RowKey"]
                    )
                except ResourceNotFoundError:
                    continue
            holder = str(claim.get("TaskId") or "")
            if holder == task_id:
                return None
            if holder and self._holder_active(owner_id, holder, claim.get("ClaimedAt"), moment):
                return holder
            with storage_call("take over active slot"):
                try:
                    self.claims_table_client.update_entity(
                        entity,
                        mode=UpdateMode.REPLACE,
                        etag=claim.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                except (ResourceModifiedError, ResourceNotFoundError):
                    _pause(attempt)
                    continue
            logger.info("attempt %s took over the slot from finished attempt %s", task_id, holder)
            return None
        raise ConcurrencyConflict("active slot claim kept racing")

    def _holder_active(
        self, owner_id: str, holder: str, claimed_at: Any, now: datetime
    ) -> bool:
        job = self.get(owner_id, holder)
        if job is not None:
            return job.status in ACTIVE_STATUSES
        # Claimed but not written yet: the holder is still in its accept path.
        if isinstance(claimed_at, datetime):
            stamp = claimed_at if claimed_at.tzinfo else claimed_at.replace(tzinfo=UTC)
            return now - stamp < ACTIVE_SLOT_GRACE
        return False
