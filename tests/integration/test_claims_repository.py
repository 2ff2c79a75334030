"""ClaimsRepository against a real Azurite: keys bind once, slots free when holders finish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableClient

from provisioning.jobs.claims import (
    ACTIVE_SLOT_GRACE,
    ClaimsRepository,
    active_slot_row_key,
    idempotency_row_key,
)
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.models import TaskStatus

NOW = datetime.now(UTC).replace(microsecond=0)
OWNER = "owner-1"


class AttemptStatuses(dict[tuple[str, str], TaskStatus]):
    """The JobState side of the slot rule: (owner, task id) -> status, absent = not written."""

    def status_of(self, owner_id: str, task_id: str) -> TaskStatus | None:
        return self.get((owner_id, task_id))


@pytest.fixture
def claims_table(azurite: str, unique_table_name: str) -> Iterator[TableClient]:
    table = table_client_from_connection_string(azurite, unique_table_name, timeout_seconds=5)
    table.create_table()
    yield table
    table.delete_table()


@pytest.fixture
def statuses() -> AttemptStatuses:
    return AttemptStatuses()


@pytest.fixture
def claims(claims_table: TableClient, statuses: AttemptStatuses) -> ClaimsRepository:
    return ClaimsRepository(claims_table, statuses.status_of)


def test_first_claim_of_a_key_is_ours_and_later_ones_see_it(claims: ClaimsRepository) -> None:
    mine = claims.claim_idempotency(OWNER, "k/1", "t-first", "fp-1", now=NOW)
    assert (mine.task_id, mine.fingerprint, mine.claimed_at) == ("t-first", "fp-1", NOW)
    later = claims.claim_idempotency(OWNER, "k/1", "t-second", "fp-2", now=NOW)
    assert (later.task_id, later.fingerprint, later.claimed_at) == ("t-first", "fp-1", NOW)
    assert later.etag


def test_keys_are_stored_hashed(claims: ClaimsRepository, claims_table: TableClient) -> None:
    claims.claim_idempotency(OWNER, "secret/key#1", "t-1", None, now=NOW)
    [row] = list(claims_table.list_entities())
    assert row["RowKey"] == idempotency_row_key("secret/key#1")
    assert "secret" not in row["RowKey"]


def test_release_frees_the_key_only_for_its_holder(claims: ClaimsRepository) -> None:
    claims.claim_idempotency(OWNER, "k", "t-holder", None, now=NOW)
    claims.release_idempotency_claim(OWNER, "k", "t-someone-else")
    assert claims.claim_idempotency(OWNER, "k", "t-new", None).task_id == "t-holder"
    claims.release_idempotency_claim(OWNER, "k", "t-holder")
    assert claims.claim_idempotency(OWNER, "k", "t-new", None).task_id == "t-new"


def test_releasing_an_unclaimed_key_is_harmless(claims: ClaimsRepository) -> None:
    claims.release_idempotency_claim(OWNER, "never-claimed", "t-1")
    assert claims.claim_idempotency(OWNER, "never-claimed", "t-1", None).task_id == "t-1"


def test_take_over_rebinds_a_stale_claim_once(claims: ClaimsRepository) -> None:
    claims.claim_idempotency(OWNER, "k", "t-dead", "fp-dead", now=NOW)
    stale = claims.claim_idempotency(OWNER, "k", "t-a", "fp-a", now=NOW)
    assert claims.take_over_idempotency_claim(OWNER, "k", stale, "t-a", "fp-a", now=NOW)
    # The claim changed since `stale` was read: a second taker loses.
    assert not claims.take_over_idempotency_claim(OWNER, "k", stale, "t-b", "fp-b", now=NOW)
    assert claims.claim_idempotency(OWNER, "k", "t-c", None).task_id == "t-a"


def test_a_claim_read_without_etag_is_never_taken_over(claims: ClaimsRepository) -> None:
    ours = claims.claim_idempotency(OWNER, "k", "t-1", None, now=NOW)
    assert ours.etag is None
    assert not claims.take_over_idempotency_claim(OWNER, "k", ours, "t-2", None, now=NOW)


def test_slot_is_busy_while_its_holder_is_active(
    claims: ClaimsRepository, statuses: AttemptStatuses
) -> None:
    statuses[(OWNER, "t-1")] = TaskStatus.RUNNING
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-1", now=NOW) is None
    assert claims.claim_active_slot(OWNER, "RG", "Demo", "t-2", now=NOW) == "t-1"
    statuses[(OWNER, "t-1")] = TaskStatus.SUCCEEDED
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-2", now=NOW) is None
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-3", now=NOW) == "t-2"


def test_slot_of_an_unwritten_holder_frees_after_the_grace(claims: ClaimsRepository) -> None:
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-ghost", now=NOW) is None
    just_before = NOW + ACTIVE_SLOT_GRACE - timedelta(seconds=1)
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-2", now=just_before) == "t-ghost"
    after = NOW + ACTIVE_SLOT_GRACE
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-2", now=after) is None


def test_slots_are_per_owner_and_per_cluster(
    claims: ClaimsRepository, claims_table: TableClient, statuses: AttemptStatuses
) -> None:
    statuses[(OWNER, "t-1")] = TaskStatus.RUNNING
    assert claims.claim_active_slot(OWNER, "rg", "demo", "t-1", now=NOW) is None
    assert claims.claim_active_slot("owner-2", "rg", "demo", "t-2", now=NOW) is None
    assert claims.claim_active_slot(OWNER, "rg", "other", "t-3", now=NOW) is None
    row = claims_table.get_entity(OWNER, active_slot_row_key("RG", "DEMO"))
    assert row["TaskId"] == "t-1"
