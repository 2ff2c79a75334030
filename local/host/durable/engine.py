"""The orchestration runner: replays history through the real SDK, runs activities and timers.

One new event is absorbed per episode. That keeps task numbering identical to the
SDK's own counter even for `RetryOptions`, whose retry timers and re-scheduled
attempts take task ids that never appear in the action list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from local.host.durable.history import (
    SUPPORTED_ACTIONS,
    ActionType,
    EventType,
    event,
    flatten_actions,
    utcnow,
)
from local.host.durable.store import InboxMessage, InstanceState, InstanceStore

logger = logging.getLogger(__name__)

OUT_OF_PROC_MARKER = "$OutOfProcData$:"
MAX_CUSTOM_STATUS_BYTES = 16 * 1024
EPISODE_SAMPLES = 100_000
SCHEMA_VERSION = 2  # ReplaySchema.V3: compound WhenAny / WhenAll actions


class InstanceExists(Exception):
    """Start was asked for an instance id that is still running."""


class InstanceNotFound(Exception):
    """No instance with that id."""


class InstanceGone(Exception):
    """The instance has already reached a terminal status."""


@dataclass(frozen=True)
class ActivityFunction:
    """A registered activity: the user function and the name of its input parameter."""

    name: str
    func: Callable[..., Any]
    input_param: str


OrchestratorHandle = Callable[[str], str]


class DurableEngine:
    """Plays the Durable Functions extension for one task hub, persisting to Table Storage."""

    def __init__(
        self,
        store: InstanceStore,
        orchestrators: dict[str, OrchestratorHandle],
        activities: dict[str, ActivityFunction],
        activity_workers: int = 16,
    ) -> None:
        self._store = store
        self._orchestrators = orchestrators
        self._activities = activities
        self._pool = ThreadPoolExecutor(max_workers=activity_workers, thread_name_prefix="activity")
        self._locks: dict[str, asyncio.Lock] = {}
        self._wakeups: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._timers: dict[tuple[str, int], asyncio.TimerHandle] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._closed = False
        # Replay time per episode, for the benchmark; bounded so a long `make run` cannot grow it.
        self.episode_durations_ms: deque[float] = deque(maxlen=EPISODE_SAMPLES)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> int:
        """Open storage and resume every unfinished instance from its history."""
        await self._store.open()
        active = await self._store.list_active()
        for state in active:
            await self._resume(state)
        if active:
            logger.info("resumed %d unfinished orchestration(s)", len(active))
        return len(active)

    async def stop(self) -> None:
        """Stop timers and workers; persisted state is left for the next start."""
        self._closed = True
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in list(self._background) + list(self._wakeups.values()):
            task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
        await self._store.close()

    # ------------------------------------------------------------------ client API

    async def start_new(self, name: str, instance_id: str, input_json: str | None) -> None:
        """Create an instance and run its first episode."""
        if name not in self._orchestrators:
            raise KeyError(name)
        async with self._lock(instance_id):
            existing = await self._store.load_state(instance_id)
            if existing is not None:
                if not existing.is_terminal:
                    raise InstanceExists(
                        f"An Orchestration instance with the status {existing.runtime_status} "
                        f"already exists."
                    )
                await self._store.purge(instance_id)
            now = utcnow()
            state = InstanceState(
                instance_id=instance_id,
                name=name,
                runtime_status="Pending",
                input=input_json,
                created_time=now,
                last_updated_time=now,
                meta=_new_meta(),
            )
            await self._store.create_instance(state)
        self._wake(instance_id)

    async def status(self, instance_id: str) -> tuple[InstanceState, list[dict[str, Any]]] | None:
        """State row and history of an instance (None if unknown)."""
        state = await self._store.load_state(instance_id)
        if state is None:
            return None
        history, _ = await self._store.load_rows(instance_id)
        return state, history

    async def raise_event(self, instance_id: str, name: str, data_json: str | None) -> None:
        """Queue an external event; it waits in the inbox until the orchestrator asks for it."""
        state = await self._store.load_state(instance_id)
        if state is None:
            raise InstanceNotFound(instance_id)
        if state.is_terminal:
            raise InstanceGone(instance_id)
        raised = event(EventType.EVENT_RAISED, -1, utcnow(), Name=name, Input=data_json)
        await self._store.add_inbox(instance_id, raised)
        self._wake(instance_id)

    async def terminate(self, instance_id: str, reason: str) -> None:
        """Mark the instance Terminated; running activities finish but are ignored."""
        async with self._lock(instance_id):
            state = await self._store.load_state(instance_id)
            if state is None:
                raise InstanceNotFound(instance_id)
            if state.is_terminal:
                raise InstanceGone(instance_id)
            history, inbox = await self._store.load_rows(instance_id)
            now = utcnow()
            state.runtime_status = "Terminated"
            state.output = json.dumps(reason)
            state.last_updated_time = now
            terminated = event(EventType.EXECUTION_TERMINATED, -1, now, Input=json.dumps(reason))
            await self._store.commit_episode(
                state, len(history), [terminated], [m.row_key for m in inbox]
            )
            self._cancel_timers(instance_id)
        logger.info("terminated %s: %s", instance_id, reason)

    async def purge(self, instance_id: str) -> int:
        """Delete an instance and its history."""
        async with self._lock(instance_id):
            self._cancel_timers(instance_id)
            return await self._store.purge(instance_id)

    # ------------------------------------------------------------------ scheduling

    def _lock(self, instance_id: str) -> asyncio.Lock:
        lock = self._locks.get(instance_id)
        if lock is None:
            lock = self._locks[instance_id] = asyncio.Lock()
        return lock

    def _wake(self, instance_id: str) -> None:
        """Make sure an episode loop will look at this instance's inbox."""
        if self._closed:
            return
        running = self._wakeups.get(instance_id)
        if running is not None and not running.done():
            self._dirty.add(instance_id)
            return
        task = asyncio.get_running_loop().create_task(self._episode_loop(instance_id))
        self._wakeups[instance_id] = task

    async def _episode_loop(self, instance_id: str) -> None:
        try:
            while True:
                self._dirty.discard(instance_id)
                async with self._lock(instance_id):
                    progressed = await self._run_one_episode(instance_id)
                if not progressed and instance_id not in self._dirty:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "episode loop for %s failed; will retry on the next event", instance_id
            )
            await asyncio.sleep(1)
            self._wakeups.pop(instance_id, None)
            self._wake(instance_id)
        finally:
            if self._wakeups.get(instance_id) is asyncio.current_task():
                self._wakeups.pop(instance_id, None)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ episodes

    async def _run_one_episode(self, instance_id: str) -> bool:
        """Absorb at most one deliverable inbox event; returns True if history advanced."""
        state = await self._store.load_state(instance_id)
        if state is None:
            return False
        history, inbox = await self._store.load_rows(instance_id)
        if state.is_terminal:
            if inbox:
                await self._store.delete_inbox(instance_id, [m.row_key for m in inbox])
            return False

        now = utcnow()
        meta_state = state.meta
        new_events: list[dict[str, Any]] = []
        consumed: list[str] = []
        if not history:
            new_events.append(event(EventType.ORCHESTRATOR_STARTED, -1, now))
            new_events.append(
                event(
                    EventType.EXECUTION_STARTED,
                    -1,
                    state.created_time,  # like DTFx: when the start was accepted, not first run
                    Name=state.name,
                    Version="",
                    Input=state.input,
                    OrchestrationInstance={"InstanceId": instance_id},
                )
            )
            state.runtime_status = "Running"
        else:
            message = self._next_deliverable(history, inbox, meta_state)
            if message is None:
                return False
            consumed.append(message.row_key)
            new_events.append(event(EventType.ORCHESTRATOR_STARTED, -1, now))
            new_events.append(message.event)

        decisions, dispatch = self._retry_bookkeeping(new_events[-1], meta_state, now)
        new_events.extend(decisions)

        started = asyncio.get_running_loop().time()
        full_history = history + new_events
        for past in history:
            past["IsPlayed"] = True
        outcome = self._replay(state, full_history)
        self.episode_durations_ms.append((asyncio.get_running_loop().time() - started) * 1000)

        if outcome.custom_status_json is not None:
            state.custom_status = outcome.custom_status_json
        more_decisions, more_dispatch, continue_input = self._apply_actions(
            outcome.actions, meta_state, now
        )
        new_events.extend(more_decisions)
        dispatch.extend(more_dispatch)
        new_events.append(event(EventType.ORCHESTRATOR_COMPLETED, -1, now))

        reset_keys: list[str] | None = None
        if outcome.error is not None:
            state.runtime_status = "Failed"
            state.output = json.dumps(outcome.error)
            new_events.append(event(EventType.EXECUTION_FAILED, -1, now, Reason=outcome.error))
            dispatch = []
            logger.warning("orchestration %s failed: %s", instance_id, outcome.error[:500])
        elif continue_input is not None:
            state.runtime_status = "Running"
            state.input = continue_input
            state.meta = meta_state = _new_meta()
            from local.host.durable.store import history_key

            reset_keys = [history_key(i) for i in range(len(history))]
            new_events = []
            dispatch = []
            self._cancel_timers(instance_id)
        elif outcome.is_done:
            state.output = outcome.output_json
            if self._pending_timer_ids(meta_state):
                meta_state["completion"] = outcome.output_json
            else:
                state.runtime_status = "Completed"
                new_events.append(
                    event(EventType.EXECUTION_COMPLETED, -1, now, Result=outcome.output_json)
                )
        state.last_updated_time = now
        state.meta = meta_state
        first_seq = 0 if reset_keys is not None else len(history)
        await self._store.commit_episode(state, first_seq, new_events, consumed, reset_keys)

        for job in dispatch:
            job(instance_id)
        if state.is_terminal:
            self._cancel_timers(instance_id)
        return True

    @staticmethod
    def _next_deliverable(
        history: list[dict[str, Any]], inbox: list[InboxMessage], meta_state: dict[str, Any]
    ) -> InboxMessage | None:
        """First inbox event the orchestrator can take now; raised events wait for a waiter."""
        completed_tasks = {
            e["TaskScheduledId"]
            for e in history
            if e["EventType"] in (EventType.TASK_COMPLETED, EventType.TASK_FAILED)
        }
        fired_timers = {e["TimerId"] for e in history if e["EventType"] == EventType.TIMER_FIRED}
        raised_counts: dict[str, int] = {}
        for e in history:
            if e["EventType"] == EventType.EVENT_RAISED:
                raised_counts[e["Name"]] = raised_counts.get(e["Name"], 0) + 1
        waits: dict[str, int] = meta_state.get("waits", {})
        for message in inbox:
            kind = message.event["EventType"]
            if kind in (EventType.TASK_COMPLETED, EventType.TASK_FAILED):
                if message.event["TaskScheduledId"] in completed_tasks:
                    continue  # a duplicate completion (activities run at least once)
                return message
            if kind == EventType.TIMER_FIRED:
                if message.event["TimerId"] in fired_timers:
                    continue
                return message
            if kind == EventType.EVENT_RAISED:
                name = message.event["Name"]
                if waits.get(name, 0) > raised_counts.get(name, 0):
                    return message
        return None

    def _retry_bookkeeping(
        self, new_event: dict[str, Any], meta_state: dict[str, Any], now: datetime
    ) -> tuple[list[dict[str, Any]], list[Callable[[str], None]]]:
        """Mirror the SDK's RetryAbleTask: a retry timer after a failure, a new attempt after it."""
        decisions: list[dict[str, Any]] = []
        dispatch: list[Callable[[str], None]] = []
        retries: dict[str, Any] = meta_state["retries"]
        kind = new_event["EventType"]
        if kind == EventType.TASK_FAILED:
            chain = retries.pop(str(new_event["TaskScheduledId"]), None)
            if chain is not None:
                timer_id = _take_id(meta_state)
                fire_at = now + timedelta(milliseconds=chain["interval_ms"])
                decisions.append(
                    event(EventType.TIMER_CREATED, timer_id, now, FireAt=_iso(fire_at))
                )
                meta_state["retry_timers"][str(timer_id)] = chain
                meta_state["timers"][str(timer_id)] = _iso(fire_at)
                dispatch.append(self._timer_job(timer_id, fire_at))
        elif kind == EventType.TIMER_FIRED:
            meta_state["timers"].pop(str(new_event["TimerId"]), None)
            chain = meta_state["retry_timers"].pop(str(new_event["TimerId"]), None)
            if chain is not None and chain["attempts"] < chain["max_attempts"]:
                chain["attempts"] += 1
                task_id = _take_id(meta_state)
                decisions.append(
                    event(
                        EventType.TASK_SCHEDULED,
                        task_id,
                        now,
                        Name=chain["name"],
                        Input=chain["input"],
                    )
                )
                retries[str(task_id)] = chain
                dispatch.append(self._activity_job(task_id, chain["name"], chain["input"]))
        return decisions, dispatch

    def _apply_actions(
        self, actions: list[Any], meta_state: dict[str, Any], now: datetime
    ) -> tuple[list[dict[str, Any]], list[Callable[[str], None]], str | None]:
        """Schedule the actions the orchestrator added in this episode; honour timer cancels."""
        decisions: list[dict[str, Any]] = []
        dispatch: list[Callable[[str], None]] = []
        continue_input: str | None = None
        flat = flatten_actions(actions)
        action_ids: list[int | None] = meta_state["action_ids"]
        for index, action in enumerate(flat):
            action_type = action.get("actionType")
            if index < len(action_ids):
                task_id = action_ids[index]
                if (
                    action_type == ActionType.CREATE_TIMER
                    and action.get("isCanceled")
                    and task_id is not None
                    and str(task_id) in meta_state["timers"]
                ):
                    meta_state["timers"].pop(str(task_id))
                    meta_state["cancelled_timers"].append(task_id)
                    dispatch.append(self._cancel_job(task_id))
                continue
            if action_type not in SUPPORTED_ACTIONS:
                raise UnsupportedAction(f"action type {action_type} is not supported locally")
            if action_type == ActionType.WAIT_FOR_EXTERNAL_EVENT:
                name = action["externalEventName"]
                meta_state["waits"][name] = meta_state["waits"].get(name, 0) + 1
                action_ids.append(None)
                continue
            task_id = _take_id(meta_state)
            action_ids.append(task_id)
            if action_type in (ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY):
                name = action["functionName"]
                input_json = action.get("input")
                decisions.append(
                    event(EventType.TASK_SCHEDULED, task_id, now, Name=name, Input=input_json)
                )
                if action_type == ActionType.CALL_ACTIVITY_WITH_RETRY:
                    options = action.get("retryOptions") or {}
                    meta_state["retries"][str(task_id)] = {
                        "name": name,
                        "input": input_json,
                        "attempts": 1,
                        "max_attempts": int(options.get("maxNumberOfAttempts", 1)),
                        "interval_ms": int(options.get("firstRetryIntervalInMilliseconds", 1000)),
                    }
                dispatch.append(self._activity_job(task_id, name, input_json))
            elif action_type == ActionType.CREATE_TIMER:
                fire_at_text = action["fireAt"]
                decisions.append(event(EventType.TIMER_CREATED, task_id, now, FireAt=fire_at_text))
                if action.get("isCanceled"):
                    meta_state["cancelled_timers"].append(task_id)
                else:
                    meta_state["timers"][str(task_id)] = fire_at_text
                    dispatch.append(self._timer_job(task_id, _parse_time(fire_at_text)))
            elif action_type == ActionType.CONTINUE_AS_NEW:
                continue_input = action.get("input")
        return decisions, dispatch, continue_input

    def _replay(self, state: InstanceState, history: list[dict[str, Any]]) -> ReplayOutcome:
        """Run the registered orchestrator handle over the history: the SDK decides."""
        handle = self._orchestrators[state.name]
        context = {
            "history": history,
            "instanceId": state.instance_id,
            "isReplaying": False,
            "parentInstanceId": None,
            "input": state.input,
            "upperSchemaVersion": SCHEMA_VERSION,
            "upperSchemaVersionNew": SCHEMA_VERSION,
        }
        try:
            result = handle(json.dumps(context))
        except Exception as exc:  # the SDK reports user-code failures this way
            text = str(exc)
            if OUT_OF_PROC_MARKER in text:
                message, _, payload = text.partition(OUT_OF_PROC_MARKER)
                out = json.loads(payload)
                error = out.get("error") or message.strip()
                return ReplayOutcome.from_state(
                    out, error=f"Orchestrator function '{state.name}' failed: {error}"
                )
            return ReplayOutcome(
                actions=[],
                is_done=False,
                output_json=None,
                custom_status_json=None,
                error=f"Orchestrator function '{state.name}' failed: {text}",
            )
        outcome = ReplayOutcome.from_state(json.loads(result))
        if (
            outcome.custom_status_json is not None
            and len(outcome.custom_status_json.encode()) > MAX_CUSTOM_STATUS_BYTES
        ):
            outcome.error = (
                f"Orchestrator function '{state.name}' failed: custom status exceeds 16 KB"
            )
        return outcome

    # ------------------------------------------------------------------ activities & timers

    def _activity_job(
        self, task_id: int, name: str, input_json: str | None
    ) -> Callable[[str], None]:
        def job(instance_id: str) -> None:
            self._spawn(self._run_activity(instance_id, task_id, name, input_json))

        return job

    def _timer_job(self, timer_id: int, fire_at: datetime) -> Callable[[str], None]:
        def job(instance_id: str) -> None:
            self._schedule_timer(instance_id, timer_id, fire_at)

        return job

    def _cancel_job(self, timer_id: int) -> Callable[[str], None]:
        def job(instance_id: str) -> None:
            handle = self._timers.pop((instance_id, timer_id), None)
            if handle is not None:
                handle.cancel()

        return job

    async def _run_activity(
        self, instance_id: str, task_id: int, name: str, input_json: str | None
    ) -> None:
        """Run one activity attempt and queue its completion (at least once)."""
        activity = self._activities.get(name)
        now = utcnow
        try:
            if activity is None:
                raise LookupError(f"The function '{name}' doesn't exist or is not an activity")
            value = (
                None
                if input_json is None
                else ActivityTriggerConverter.decode(
                    meta.Datum(type="json", value=input_json), trigger_metadata=None
                )
            )
            kwargs = {activity.input_param: value}
            if asyncio.iscoroutinefunction(activity.func):
                result = await activity.func(**kwargs)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._pool, lambda: activity.func(**kwargs))
            encoded = ActivityTriggerConverter.encode(result, expected_type=None)
            completion = event(
                EventType.TASK_COMPLETED, -1, now(), TaskScheduledId=task_id, Result=encoded.value
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.info("activity %s (task %d of %s) failed: %s", name, task_id, instance_id, exc)
            completion = event(
                EventType.TASK_FAILED,
                -1,
                now(),
                TaskScheduledId=task_id,
                Reason=f"Activity function '{name}' failed: {type(exc).__name__}: {exc}",
                Details="".join(traceback.format_exception(exc))[-4000:],
            )
        await self._deliver(instance_id, completion)

    def _schedule_timer(self, instance_id: str, timer_id: int, fire_at: datetime) -> None:
        delay = max(0.0, (fire_at - utcnow()).total_seconds())
        loop = asyncio.get_running_loop()
        key = (instance_id, timer_id)
        previous = self._timers.pop(key, None)
        if previous is not None:
            previous.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            fired = event(
                EventType.TIMER_FIRED, -1, utcnow(), TimerId=timer_id, FireAt=_iso(fire_at)
            )
            self._spawn(self._deliver(instance_id, fired))

        self._timers[key] = loop.call_later(delay, fire)

    async def _deliver(self, instance_id: str, new_event: dict[str, Any]) -> None:
        """Persist a completion in the inbox and wake the instance (retrying storage faults)."""
        for attempt in range(30):
            try:
                state = await self._store.load_state(instance_id)
                if state is None or state.is_terminal:
                    if state is not None and new_event["EventType"] == EventType.TIMER_FIRED:
                        return
                    return
                if new_event["EventType"] == EventType.TIMER_FIRED and "completion" in state.meta:
                    await self._finish_pending_completion(instance_id, new_event["TimerId"])
                    return
                await self._store.add_inbox(instance_id, new_event)
                break
            except Exception:
                logger.warning("could not deliver event to %s (attempt %d)", instance_id, attempt)
                await asyncio.sleep(min(5.0, 0.2 * (attempt + 1)))
        else:
            logger.error("dropping event for %s after repeated storage failures", instance_id)
            return
        self._wake(instance_id)

    async def _finish_pending_completion(self, instance_id: str, timer_id: int) -> None:
        """An orchestrator returned with a live timer: complete once the last timer fires."""
        async with self._lock(instance_id):
            state = await self._store.load_state(instance_id)
            if state is None or state.is_terminal:
                return
            state.meta["timers"].pop(str(timer_id), None)
            if self._pending_timer_ids(state.meta):
                await self._store.save_state(state)
                return
            history, _ = await self._store.load_rows(instance_id)
            now = utcnow()
            output = state.meta.pop("completion")
            state.runtime_status = "Completed"
            state.output = output
            state.last_updated_time = now
            done = event(EventType.EXECUTION_COMPLETED, -1, now, Result=output)
            await self._store.commit_episode(state, len(history), [done], [])

    @staticmethod
    def _pending_timer_ids(meta_state: dict[str, Any]) -> list[str]:
        return list(meta_state["timers"].keys())

    def _cancel_timers(self, instance_id: str) -> None:
        for key in [k for k in self._timers if k[0] == instance_id]:
            self._timers.pop(key).cancel()

    async def _resume(self, state: InstanceState) -> None:
        """After a restart: re-run unfinished activities, re-arm timers, drain the inbox."""
        history, inbox = await self._store.load_rows(state.instance_id)
        done_tasks = {
            e["TaskScheduledId"]
            for e in history + [m.event for m in inbox]
            if e["EventType"] in (EventType.TASK_COMPLETED, EventType.TASK_FAILED)
        }
        for e in history:
            if e["EventType"] == EventType.TASK_SCHEDULED and e["EventId"] not in done_tasks:
                self._activity_job(e["EventId"], e["Name"], e.get("Input"))(state.instance_id)
        fired = {
            e["TimerId"]
            for e in history + [m.event for m in inbox]
            if e["EventType"] == EventType.TIMER_FIRED
        }
        for timer_id, fire_at in state.meta.get("timers", {}).items():
            if int(timer_id) not in fired:
                self._schedule_timer(state.instance_id, int(timer_id), _parse_time(fire_at))
        self._wake(state.instance_id)


class UnsupportedAction(Exception):
    """The orchestrator used a Durable feature the local engine does not implement."""


@dataclass
class ReplayOutcome:
    """What one replay decided."""

    actions: list[Any]
    is_done: bool
    output_json: str | None
    custom_status_json: str | None
    error: str | None = None

    @classmethod
    def from_state(cls, out: dict[str, Any], error: str | None = None) -> ReplayOutcome:
        """Read the SDK's OrchestratorState JSON."""
        custom = out.get("customStatus")
        return cls(
            actions=out.get("actions") or [],
            is_done=bool(out.get("isDone")),
            output_json=json.dumps(out["output"]) if "output" in out else None,
            custom_status_json=json.dumps(custom) if custom is not None else None,
            error=error,
        )


def _new_meta() -> dict[str, Any]:
    return {
        "next_id": 0,
        "action_ids": [],
        "retries": {},
        "retry_timers": {},
        "timers": {},
        "cancelled_timers": [],
        "waits": {},
    }


def _take_id(meta_state: dict[str, Any]) -> int:
    task_id = int(meta_state["next_id"])
    meta_state["next_id"] = task_id + 1
    return task_id


def _iso(moment: datetime) -> str:
    from local.host.durable.history import iso

    return iso(moment)


def _parse_time(text: str) -> datetime:
    from datetime import UTC

    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
