"""Durable entities on the local host: one operation at a time per entity, state in Azurite."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.host.durable.episode import RunEntityOperation
from local.host.durable.history import EventType, event, utcnow
from local.host.durable.scheduler import InstanceScheduler
from local.host.durable.store import InstanceState, InstanceStore

logger = logging.getLogger(__name__)

EntityHandle = Callable[[str], str]
Deliver = Callable[[str, dict[str, Any]], Awaitable[None]]
ENTITY_PREFIX = "@"  # entity scheduler ids: "@name@key"; instance ids may not start with @
ENTITY_END = chr(ord(ENTITY_PREFIX) + 1)  # every "@..." partition key sorts below this


class EntityNotFound(Exception):
    """No entity function of that name."""


def entity_scheduler_id(name: str, key: str) -> str:
    """The id the SDK gives an entity (EntityId.get_scheduler_id): lower-cased name."""
    return f"{ENTITY_PREFIX}{name.lower()}{ENTITY_PREFIX}{key}"


class EntityRunner:
    """Runs entity operations through the SDK's entity handle, in arrival order per entity."""

    def __init__(
        self,
        store: InstanceStore,
        scheduler: InstanceScheduler,
        pool: ThreadPoolExecutor,
        handles: dict[str, EntityHandle],
        deliver: Deliver,
    ) -> None:
        self._store = store
        self._scheduler = scheduler
        self._pool = pool
        self._handles = {name.lower(): handle for name, handle in handles.items()}
        self._deliver = deliver

    async def signal(self, name: str, key: str, operation: str, input_json: str | None) -> None:
        """A client signal: persisted, then run behind the entity's other operations."""
        if name.lower() not in self._handles:
            raise EntityNotFound(name)
        job = RunEntityOperation(entity_scheduler_id(name, key), operation, input_json, None)
        await self.enqueue(None, job)

    async def enqueue(self, caller: str | None, job: RunEntityOperation) -> None:
        """Persist the request in the entity's inbox (so a restart still runs it), then drain."""
        request = {
            "operation": job.operation,
            "input": job.input,
            "request_id": job.request_id,
            "caller": caller,
        }
        await self._store.add_inbox(job.entity_id, request)
        self._scheduler.spawn(self.drain(job.entity_id))

    async def resume(self) -> int:
        """At start-up: run the operations that were queued when the host stopped."""
        pending = await self._store.partitions_with_inbox(ENTITY_PREFIX, ENTITY_END)
        for entity_id in pending:
            self._scheduler.spawn(self.drain(entity_id))
        return len(pending)

    async def read(self, name: str, key: str) -> InstanceState | None:
        """The entity's row (state JSON in `output`), None when it does not exist."""
        row = await self._store.load_state(entity_scheduler_id(name, key))
        return row if row is not None and row.meta.get("exists") else None

    async def list(self, name: str) -> list[InstanceState]:
        """Every existing entity of one entity function."""
        prefix = entity_scheduler_id(name, "")
        rows = await self._store.list_states(None)
        return [r for r in rows if r.instance_id.startswith(prefix) and r.meta.get("exists")]

    async def drain(self, entity_id: str) -> None:
        """Run the entity's queued operations in arrival order, one at a time."""
        async with self._scheduler.lock(entity_id):
            for message in await self._store.load_inbox(entity_id):
                request = message.event
                job = RunEntityOperation(
                    entity_id, request["operation"], request["input"], request["request_id"]
                )
                response = await self._run_one(job, message.row_key)
                caller = request.get("caller")
                if caller is not None and job.request_id is not None:
                    answer = event(
                        EventType.EVENT_RAISED,
                        -1,
                        utcnow(),
                        Name=job.request_id,
                        Input=json.dumps(response),
                    )
                    await self._deliver(caller, answer)

    async def _run_one(self, job: RunEntityOperation, row_key: str) -> dict[str, Any]:
        _, name, key = job.entity_id.split(ENTITY_PREFIX, 2)
        handle = self._handles.get(name)
        if handle is None:
            await self._store.delete_inbox(job.entity_id, [row_key])
            return {
                "result": json.dumps(f"No entity function named '{name}'."),
                "exceptionType": "EntityNotFound",
            }
        return await self._apply(handle, name, key, job, row_key)

    async def _apply(
        self, handle: EntityHandle, name: str, key: str, job: RunEntityOperation, row_key: str
    ) -> dict[str, Any]:
        """One operation through the SDK; the new state and the consumed request in one batch."""
        row = await self._store.load_state(job.entity_id)
        exists = bool(row is not None and row.meta.get("exists"))
        operation = {
            "name": job.operation,
            # The SDK's entity context decodes an operation input twice (json.loads, df_loads).
            "input": json.dumps(job.input),
            "isSignal": job.request_id is None,
        }
        context = {
            "self": {"name": name, "key": key},
            "state": row.output if exists and row is not None else None,
            "exists": exists,
            "batch": [operation],
        }
        loop = asyncio.get_running_loop()
        out = json.loads(await loop.run_in_executor(self._pool, handle, json.dumps(context)))
        now = utcnow()
        saved = row or InstanceState(job.entity_id, name, "Running", None, now, now)
        saved.meta = {"exists": bool(out.get("entityExists"))}
        saved.output = out.get("entityState") if saved.meta["exists"] else None
        saved.last_updated_time = now
        await self._store.commit_episode(saved, 0, [], [row_key])
        result = (out.get("results") or [{}])[0]
        response: dict[str, Any] = {"result": result.get("result")}
        if result.get("isError"):
            logger.info("entity %s operation %s failed: %s", job.entity_id, job.operation, result)
            response["exceptionType"] = "Exception"
        return response
