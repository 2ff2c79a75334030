"""Durable instance state, history and inbox persisted in Azurite (Table Storage)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

STATE_ROW = "state"
HISTORY_PREFIX = "h"
INBOX_PREFIX = "i"
INBOX_END = "j"
MAX_BATCH = 99  # a Table transaction holds at most 100 operations

ACTIVE_STATUSES = ("Pending", "Running", "ContinuedAsNew", "Suspended")
TERMINAL_STATUSES = ("Completed", "Failed", "Terminated", "Canceled")


@dataclass
class InstanceState:
    """The status row of one orchestration instance plus the engine's bookkeeping."""

    instance_id: str
    name: str
    runtime_status: str
    input: str | None
    created_time: datetime
    last_updated_time: datetime
    output: str | None = None
    custom_status: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        """Completed, failed, terminated or canceled: nothing more happens."""
        return self.runtime_status in TERMINAL_STATUSES

    def to_entity(self) -> dict[str, Any]:
        """Table entity for the state row."""
        return {
            "PartitionKey": self.instance_id,
            "RowKey": STATE_ROW,
            "Name": self.name,
            "RuntimeStatus": self.runtime_status,
            "Input": self.input,
            "Output": self.output,
            "CustomStatus": self.custom_status,
            "CreatedTime": self.created_time,
            "LastUpdatedTime": self.last_updated_time,
            "Meta": json.dumps(self.meta),
        }

    @classmethod
    def from_entity(cls, entity: dict[str, Any]) -> InstanceState:
        """Rebuild from a state row."""
        return cls(
            instance_id=entity["PartitionKey"],
            name=entity["Name"],
            runtime_status=entity["RuntimeStatus"],
            input=entity.get("Input"),
            created_time=entity["CreatedTime"],
            last_updated_time=entity["LastUpdatedTime"],
            output=entity.get("Output"),
            custom_status=entity.get("CustomStatus"),
            meta=json.loads(entity.get("Meta") or "{}"),
        )


@dataclass
class InboxMessage:
    """A new event waiting to be absorbed into history (completion, timer, raised event)."""

    row_key: str
    event: dict[str, Any]


def new_inbox_key() -> str:
    """Arrival-ordered unique row key for the inbox."""
    return f"{INBOX_PREFIX}{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"


class InstanceStore:
    """All durable state in one table: per instance a state row, history rows and inbox rows."""

    def __init__(self, connection_string: str, table_name: str) -> None:
        self._table = TableClient.from_connection_string(
            connection_string,
            table_name=table_name,
            connection_timeout=5,
            read_timeout=10,
            retry_total=5,
            retry_backoff_factor=0.5,
        )

    async def open(self) -> None:
        """Create the table if it does not exist yet."""
        try:
            await self._table.create_table()
        except ResourceExistsError:
            pass

    async def close(self) -> None:
        """Release the HTTP session."""
        await self._table.close()

    async def load_state(self, instance_id: str) -> InstanceState | None:
        """The state row, or None for an unknown instance."""
        try:
            entity = await self._table.get_entity(instance_id, STATE_ROW)
        except ResourceNotFoundError:
            return None
        return InstanceState.from_entity(dict(entity))

    async def load_rows(self, instance_id: str) -> tuple[list[dict[str, Any]], list[InboxMessage]]:
        """History events (in order) and pending inbox messages of one instance."""
        history: list[tuple[str, dict[str, Any]]] = []
        inbox: list[InboxMessage] = []
        query = "PartitionKey eq @pk and RowKey ne @state"
        async for entity in self._table.query_entities(
            query, parameters={"pk": instance_id, "state": STATE_ROW}
        ):
            key = entity["RowKey"]
            payload = json.loads(entity["Event"])
            if key.startswith(HISTORY_PREFIX):
                history.append((key, payload))
            elif key.startswith(INBOX_PREFIX):
                inbox.append(InboxMessage(key, payload))
        history.sort(key=lambda item: item[0])
        inbox.sort(key=lambda m: m.row_key)
        return [event for _, event in history], inbox

    async def load_inbox(self, instance_id: str) -> list[InboxMessage]:
        """Only the pending inbox rows (history is cached by the engine)."""
        inbox: list[InboxMessage] = []
        query = "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high"
        async for entity in self._table.query_entities(
            query, parameters={"pk": instance_id, "low": INBOX_PREFIX, "high": INBOX_END}
        ):
            inbox.append(InboxMessage(entity["RowKey"], json.loads(entity["Event"])))
        inbox.sort(key=lambda m: m.row_key)
        return inbox

    async def partitions_with_inbox(self, low: str, high: str) -> list[str]:
        """Partition keys in [low, high) that hold pending inbox rows (entities at start-up)."""
        query = (
            "PartitionKey ge @low and PartitionKey lt @high and RowKey ge @inbox and RowKey lt @end"
        )
        params = {"low": low, "high": high, "inbox": INBOX_PREFIX, "end": INBOX_END}
        found: list[str] = []
        async for entity in self._table.query_entities(
            query, parameters=params, select=["PartitionKey"]
        ):
            if entity["PartitionKey"] not in found:
                found.append(entity["PartitionKey"])
        return found

    async def list_states(self, statuses: list[str] | None = None) -> list[InstanceState]:
        """Every instance's state row, optionally only those with one of the statuses."""
        params: dict[str, Any] = {"state": STATE_ROW}
        query = "RowKey eq @state"
        if statuses:
            ors = " or ".join(f"RuntimeStatus eq @s{i}" for i in range(len(statuses)))
            query += f" and ( {ors} )"
            params.update({f"s{i}": s for i, s in enumerate(statuses)})
        found = [
            InstanceState.from_entity(dict(entity))
            async for entity in self._table.query_entities(query, parameters=params)
        ]
        found.sort(key=lambda s: (s.created_time, s.instance_id))
        return found

    async def create_instance(self, state: InstanceState) -> None:
        """Write a fresh instance (the caller purged any previous one)."""
        await self._table.upsert_entity(state.to_entity(), mode=UpdateMode.REPLACE)

    async def save_state(self, state: InstanceState) -> None:
        """Overwrite the state row."""
        await self._table.upsert_entity(state.to_entity(), mode=UpdateMode.REPLACE)

    async def add_inbox(self, instance_id: str, event: dict[str, Any]) -> InboxMessage:
        """Persist a new event before it is absorbed, so a crash cannot lose it."""
        message = InboxMessage(new_inbox_key(), event)
        await self._table.create_entity(
            {"PartitionKey": instance_id, "RowKey": message.row_key, "Event": json.dumps(event)}
        )
        return message

    async def commit_episode(
        self,
        state: InstanceState,
        first_seq: int,
        new_events: list[dict[str, Any]],
        consumed: list[str],
        reset_history_keys: list[str] | None = None,
    ) -> None:
        """Append history, drop consumed inbox rows and save state in one transaction."""
        operations: list[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], dict[str, Any]]]
        operations = []
        pk = state.instance_id
        for key in reset_history_keys or []:
            operations.append(("delete", {"PartitionKey": pk, "RowKey": key}))
        for offset, event in enumerate(new_events):
            operations.append(
                (
                    "upsert",
                    {
                        "PartitionKey": pk,
                        "RowKey": history_key(first_seq + offset),
                        "Event": json.dumps(event),
                    },
                    {"mode": UpdateMode.REPLACE},
                )
            )
        for key in consumed:
            operations.append(("delete", {"PartitionKey": pk, "RowKey": key}))
        operations.append(("upsert", state.to_entity(), {"mode": UpdateMode.REPLACE}))
        # The state row goes last: if a very large episode needs several batches,
        # history is written before the state that refers to it.
        for start in range(0, len(operations), MAX_BATCH):
            await self._table.submit_transaction(operations[start : start + MAX_BATCH])

    async def delete_inbox(self, instance_id: str, keys: list[str]) -> None:
        """Drop inbox rows that can never be delivered (instance finished)."""
        for key in keys:
            try:
                await self._table.delete_entity(instance_id, key)
            except ResourceNotFoundError:
                pass

    async def purge(self, instance_id: str) -> int:
        """Delete every row of an instance; returns 1 if it existed."""
        keys = []
        async for entity in self._table.query_entities(
            "PartitionKey eq @pk", parameters={"pk": instance_id}, select=["RowKey"]
        ):
            keys.append(entity["RowKey"])
        existed = STATE_ROW in keys
        for start in range(0, len(keys), MAX_BATCH):
            chunk = keys[start : start + MAX_BATCH]
            await self._table.submit_transaction(
                [("delete", {"PartitionKey": instance_id, "RowKey": k}) for k in chunk]
            )
        return 1 if existed else 0

    async def list_active(self) -> list[InstanceState]:
        """Every instance that has not reached a terminal status (resumed at start-up)."""
        found: list[InstanceState] = []
        status_filter = " or ".join(f"RuntimeStatus eq @s{i}" for i in range(len(ACTIVE_STATUSES)))
        params: dict[str, Any] = {"state": STATE_ROW}
        params.update({f"s{i}": s for i, s in enumerate(ACTIVE_STATUSES)})
        async for entity in self._table.query_entities(
            f"RowKey eq @state and ( {status_filter} )", parameters=params
        ):
            found.append(InstanceState.from_entity(dict(entity)))
        return found


def history_key(seq: int) -> str:
    """Row key of the seq-th history event (zero-padded so rows sort in order)."""
    return f"{HISTORY_PREFIX}{seq:08d}"
