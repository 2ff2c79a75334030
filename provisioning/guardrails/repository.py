"""Guarded clusters in their own table: PartitionKey owner, RowKey resource group + name.

Rows change through pure mutate functions applied under the row's ETag (the same race policy
as JobState's, provisioning.jobs.rows); an owner's rows come back with one query.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from provisioning.guardrails.model import (
    Guardrails,
    GuardRecord,
    WorkingHours,
    row_key_for,
)
from provisioning.jobs.rows import (
    RaceLost,
    delete_row,
    etag_of,
    insert_row,
    read_row,
    replace_row,
    retry_races,
)
from provisioning.jobs.tables import ensure_table, storage_call
from provisioning.utc import stored_time

if TYPE_CHECKING:
    from azure.data.tables import TableClient

logger = logging.getLogger(__name__)

UPDATE_ATTEMPTS = 8
OWNER_FILTER = "PartitionKey eq @pk"


class GuardProperty(StrEnum):
    """Property names of a guardrails row."""

    PARTITION_KEY = "PartitionKey"
    ROW_KEY = "RowKey"
    RESOURCE_GROUP = "ResourceGroup"
    CLUSTER_NAME = "ClusterName"
    IDLE_STOP_MINUTES = "IdleStopMinutes"
    SCHEDULE = "Schedule"
    EXPIRES_AT = "ExpiresAt"
    SET_AT = "SetAt"
    UPDATED_AT = "UpdatedAt"
    EXTENDED_AT = "ExtendedAt"
    EXTENDED_UNTIL = "ExtendedUntil"
    HANDLED_EDGE_AT = "HandledEdgeAt"
    OBSERVED_POWER = "ObservedPower"
    OBSERVED_AT = "ObservedAt"
    QUIET_SINCE = "QuietSince"
    STOPPED_BY = "StoppedBy"
    STOPPED_SINCE = "StoppedSince"
    SAVED_MONTH = "SavedMonth"
    SAVED_HOURS = "SavedHours"


G = GuardProperty
Mutation = Callable[[GuardRecord | None], GuardRecord | None]


def record_to_entity(record: GuardRecord) -> dict[str, Any]:
    """The table entity (absent values omitted)."""
    rules = record.guardrails
    entity: dict[str, Any] = {
        G.PARTITION_KEY: record.owner_id,
        G.ROW_KEY: row_key_for(record.resource_group, record.cluster_name),
        G.RESOURCE_GROUP: record.resource_group,
        G.CLUSTER_NAME: record.cluster_name,
        G.SET_AT: record.set_at,
        G.UPDATED_AT: record.updated_at,
        G.SAVED_HOURS: float(record.saved_hours),
    }
    optional: dict[str, Any] = {
        G.IDLE_STOP_MINUTES: rules.idle_stop_minutes,
        G.SCHEDULE: json.dumps(rules.schedule.to_dict()) if rules.schedule else None,
        G.EXPIRES_AT: rules.expires_at,
        G.EXTENDED_AT: record.extended_at,
        G.EXTENDED_UNTIL: record.extended_until,
        G.HANDLED_EDGE_AT: record.handled_edge_at,
        G.OBSERVED_POWER: record.observed_power,
        G.OBSERVED_AT: record.observed_at,
        G.QUIET_SINCE: record.quiet_since,
        G.STOPPED_BY: record.stopped_by,
        G.STOPPED_SINCE: record.stopped_since,
        G.SAVED_MONTH: record.saved_month,
    }
    entity.update({name: value for name, value in optional.items() if value is not None})
    return {str(name): value for name, value in entity.items()}


def record_from_entity(entity: Any) -> GuardRecord:
    """Rebuild a record; an unreadable schedule reads as none (logged), not as a failure."""
    set_at = stored_time(entity.get(G.SET_AT)) or stored_time(entity.get(G.UPDATED_AT))
    assert set_at is not None, "a guardrails row always has SetAt"
    minutes = entity.get(G.IDLE_STOP_MINUTES)
    return GuardRecord(
        owner_id=str(entity[G.PARTITION_KEY]),
        resource_group=str(entity.get(G.RESOURCE_GROUP) or ""),
        cluster_name=str(entity.get(G.CLUSTER_NAME) or ""),
        guardrails=Guardrails(
            idle_stop_minutes=int(minutes) if minutes is not None else None,
            schedule=_schedule(entity),
            expires_at=stored_time(entity.get(G.EXPIRES_AT)),
        ),
        set_at=set_at,
        updated_at=stored_time(entity.get(G.UPDATED_AT)) or set_at,
        extended_at=stored_time(entity.get(G.EXTENDED_AT)),
        extended_until=stored_time(entity.get(G.EXTENDED_UNTIL)),
        handled_edge_at=stored_time(entity.get(G.HANDLED_EDGE_AT)),
        observed_power=entity.get(G.OBSERVED_POWER) or None,
        observed_at=stored_time(entity.get(G.OBSERVED_AT)),
        quiet_since=stored_time(entity.get(G.QUIET_SINCE)),
        stopped_by=entity.get(G.STOPPED_BY) or None,
        stopped_since=stored_time(entity.get(G.STOPPED_SINCE)),
        saved_month=entity.get(G.SAVED_MONTH) or None,
        saved_hours=float(entity.get(G.SAVED_HOURS) or 0.0),
        etag=etag_of(entity),
    )


def _schedule(entity: Any) -> WorkingHours | None:
    raw = entity.get(G.SCHEDULE)
    if not raw:
        return None
    try:
        return WorkingHours.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        logger.warning("unreadable schedule in guardrails row %s", entity.get(G.ROW_KEY))
        return None


class GuardrailRepository:
    """Reads and writes guardrails rows; user values reach filters only as parameters."""

    def __init__(self, table_client: TableClient) -> None:
        self.table_client = table_client

    def ensure_table(self) -> None:
        """Create the table unless it exists."""
        ensure_table(self.table_client)

    def get(self, owner_id: str, resource_group: str, cluster_name: str) -> GuardRecord | None:
        """The cluster's row, or None when it has no guardrails."""
        with storage_call("read guardrails"):
            entity = read_row(
                self.table_client, owner_id, row_key_for(resource_group, cluster_name)
            )
        return record_from_entity(entity) if entity is not None else None

    def list_for_owner(self, owner_id: str) -> list[GuardRecord]:
        """Every guarded cluster of one owner: ONE query (the clusters list reads this)."""
        with storage_call("list guardrails"):
            entities = self.table_client.query_entities(OWNER_FILTER, parameters={"pk": owner_id})
            return [record_from_entity(entity) for entity in entities]

    def update(
        self, owner_id: str, resource_group: str, cluster_name: str, mutate: Mutation
    ) -> GuardRecord | None:
        """Apply `mutate` to the current row (None: absent) under its ETag; the row as written.

        `mutate` returning None deletes the row (or leaves it absent).
        """
        row_key = row_key_for(resource_group, cluster_name)

        def attempt() -> GuardRecord | None:
            entity = read_row(self.table_client, owner_id, row_key)
            current = record_from_entity(entity) if entity is not None else None
            wanted = mutate(current)
            if wanted is None:
                if current is not None:
                    delete_row(self.table_client, owner_id, row_key, etag=current.etag)
                return None
            if wanted == current:
                return current
            document = record_to_entity(wanted)
            if current is None:
                etag = insert_row(self.table_client, document)
                if etag is None:
                    raise RaceLost
            else:
                etag = replace_row(self.table_client, document, etag=current.etag)
            return replace(wanted, etag=etag)

        return retry_races("write guardrails", attempt, attempts=UPDATE_ATTEMPTS)
