"""The claims table beside JobState: idempotency keys and the one-active-attempt slot.

A claim is a row in the owner's partition. Its RowKey says what is claimed (an
Idempotency-Key, or a resource group + cluster name) and `TaskId` which attempt holds it.
Races between requests are settled by insert-if-absent and ETag-conditional replace/delete.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from provisioning.jobs.rows import (
    RaceLost,
    delete_row,
    etag_of,
    insert_or_read,
    read_row,
    replace_row,
    retry_races,
)
from provisioning.jobs.state import cluster_key
from provisioning.jobs.tables import storage_call
from provisioning.models import ACTIVE_STATUSES, TaskStatus
from provisioning.utc import stored_time

if TYPE_CHECKING:
    from azure.data.tables import TableClient

logger = logging.getLogger(__name__)

CLAIM_ATTEMPTS = 5
# A slot holder whose JobState row is not written yet counts as active this long after its
# claim: the accept path claims the slot before it inserts the row.
ACTIVE_SLOT_GRACE = timedelta(minutes=2)

# The status of an owner's attempt (owner id, task id), None when it has no row yet.
StatusOf = Callable[[str, str], TaskStatus | None]
# Asked about a holder that still counts as active (task id, when it claimed): True when its
# workflow is gone, so the claim may be taken (operations.stale_claims decides and records).
HolderGone = Callable[[str, datetime | None], bool]
ACTIVE_SLOT_PREFIX = "active-"
# The first RowKey after every "active-…" key ("." sorts right after "-").
ACTIVE_SLOT_END = "active."


class ClaimProperty(StrEnum):
    """Property names of a claims row."""

    PARTITION_KEY = "PartitionKey"
    ROW_KEY = "RowKey"
    TASK_ID = "TaskId"
    FINGERPRINT = "Fingerprint"
    CLAIMED_AT = "ClaimedAt"


C = ClaimProperty


def claims_table_name(jobstate_table_name: str) -> str:
    """The companion table holding idempotency keys and active-attempt slots."""
    return f"{jobstate_table_name}Claims"


def _sha256(text: str) -> str:
    """Claims RowKeys are hashes: raw keys and names may hold characters a key cannot."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def active_slot_row_key(resource_group: str, cluster_name: str) -> str:
    """Claims RowKey of the one-active-attempt lock for a resource group + cluster name."""
    return f"{ACTIVE_SLOT_PREFIX}{_sha256(cluster_key(resource_group, cluster_name))}"


def idempotency_row_key(key: str) -> str:
    """Claims RowKey of an idempotency key (hashed: raw keys may hold '/' or '#')."""
    return f"idem-{_sha256(key)}"


def _claim_row(
    owner_id: str, row_key: str, task_id: str, now: datetime, fingerprint: str | None = None
) -> dict[str, Any]:
    """A claims row; only idempotency claims carry a Fingerprint."""
    row: dict[str, Any] = {
        C.PARTITION_KEY: owner_id,
        C.ROW_KEY: row_key,
        C.TASK_ID: task_id,
        C.CLAIMED_AT: now,
    }
    if fingerprint is not None:
        row[C.FINGERPRINT] = fingerprint
    return {str(name): value for name, value in row.items()}


def _holder(row: Any) -> str:
    """The task id holding a claim ("" on a damaged row: such a claim can be taken over)."""
    return str(row.get(C.TASK_ID) or "")


def _claimed_at(row: Any) -> datetime | None:
    """When the claim was taken; what the grace periods count from."""
    return stored_time(row.get(C.CLAIMED_AT))


@dataclass(frozen=True)
class SlotClaim:
    """Who holds a cluster's one-active-operation slot, and since when."""

    task_id: str
    claimed_at: datetime | None


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
        return cls(
            task_id=_holder(entity),
            fingerprint=str(entity.get(C.FINGERPRINT) or "") or None,
            claimed_at=_claimed_at(entity),
            etag=etag_of(entity),
        )


class ClaimsRepository:
    """Claims of one JobState table; `status_of` tells whether a slot's holder still runs."""

    def __init__(self, table_client: TableClient, status_of: StatusOf) -> None:
        self.table_client = table_client
        self._status_of = status_of

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
        moment = now or datetime.now(UTC)
        row = _claim_row(owner_id, idempotency_row_key(key), task_id, moment, fingerprint or "")

        def attempt() -> IdempotencyClaim:
            existing = insert_or_read(self.table_client, row)
            if existing is None:
                return IdempotencyClaim(task_id, fingerprint or None, moment, None)
            return IdempotencyClaim.from_entity(existing)

        return retry_races("claim idempotency key", attempt, attempts=CLAIM_ATTEMPTS)

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
        if stale.etag is None:
            return False
        row = _claim_row(owner_id, idempotency_row_key(key), task_id, now, fingerprint or "")

        with storage_call("take over idempotency key"):
            try:
                replace_row(self.table_client, row, etag=stale.etag)
            except RaceLost:
                return False
        logger.info("attempt %s took over an idempotency key from %s", task_id, stale.task_id)
        return True

    def release_idempotency_claim(self, owner_id: str, key: str, task_id: str) -> None:
        """Unbind the key from task_id (its attempt was not accepted); another holder stays."""
        row_key = idempotency_row_key(key)

        def attempt() -> None:
            existing = read_row(self.table_client, owner_id, row_key)
            if existing is not None and _holder(existing) == task_id:
                delete_row(self.table_client, owner_id, row_key, etag=etag_of(existing))

        retry_races("release idempotency key", attempt, attempts=CLAIM_ATTEMPTS)

    def claim_active_slot(
        self,
        owner_id: str,
        resource_group: str,
        cluster_name: str,
        task_id: str,
        *,
        now: datetime | None = None,
        holder_gone: HolderGone | None = None,
    ) -> str | None:
        """Take the RG + cluster slot for task_id; returns the active holder's id when busy.

        A holder that finished, or (asked through `holder_gone`) whose workflow is gone, gives
        the slot up in this same request: no claim outlives its workflow.
        """
        moment = now or datetime.now(UTC)
        row_key = active_slot_row_key(resource_group, cluster_name)
        row = _claim_row(owner_id, row_key, task_id, moment)

        def attempt() -> str | None:
            existing = insert_or_read(self.table_client, row)
            if existing is None or _holder(existing) == task_id:
                return None
            holder, claimed_at = _holder(existing), _claimed_at(existing)
            if self._holder_active(owner_id, holder, claimed_at, moment) and not (
                holder_gone is not None and holder_gone(holder, claimed_at)
            ):
                return holder
            replace_row(self.table_client, row, etag=etag_of(existing))
            logger.info("attempt %s took over the slot from ended attempt %s", task_id, holder)
            return None

        return retry_races("claim active slot", attempt, attempts=CLAIM_ATTEMPTS)

    def slot_holders(self, owner_id: str) -> dict[str, SlotClaim]:
        """Every cluster slot of the owner (by claims RowKey) and who holds it: one query."""
        query = f"{C.PARTITION_KEY} eq @pk and {C.ROW_KEY} ge @lo and {C.ROW_KEY} lt @hi"
        parameters = {"pk": owner_id, "lo": ACTIVE_SLOT_PREFIX, "hi": ACTIVE_SLOT_END}
        with storage_call("read active slots"):
            rows = self.table_client.query_entities(
                query,
                parameters=parameters,
                select=[str(C.ROW_KEY), str(C.TASK_ID), str(C.CLAIMED_AT)],
            )
            return {
                str(row[C.ROW_KEY]): SlotClaim(_holder(row), _claimed_at(row))
                for row in rows
                if _holder(row)
            }

    def active_holder(
        self,
        owner_id: str,
        resource_group: str,
        cluster_name: str,
        *,
        now: datetime,
        holder_gone: HolderGone | None = None,
    ) -> str | None:
        """The task that holds the cluster's slot now, if it is active (a read, no claim).

        A holder whose workflow is gone (`holder_gone`) does not count: it is recorded as
        such there, and the claim that follows takes the slot.
        """
        existing = read_row(
            self.table_client, owner_id, active_slot_row_key(resource_group, cluster_name)
        )
        if existing is None:
            return None
        holder, claimed_at = _holder(existing), _claimed_at(existing)
        if not self._holder_active(owner_id, holder, claimed_at, now):
            return None
        if holder_gone is not None and holder_gone(holder, claimed_at):
            return None
        return holder

    def _holder_active(
        self, owner_id: str, holder: str, claimed_at: datetime | None, now: datetime
    ) -> bool:
        """Whether the slot's holder still counts: its row is active, or not written yet."""
        if not holder:
            return False
        status = self._status_of(owner_id, holder)
        if status is not None:
            return status in ACTIVE_STATUSES
        # Claimed but not written yet: the holder is still in its accept path.
        return claimed_at is not None and now - claimed_at < ACTIVE_SLOT_GRACE
