"""The orchestration runner: replays history through the real SDK, runs activities and timers.

The decisions live in `episode.decide_episode`; the async machinery in `scheduler`.
This module persists what they decide and runs the work (activities, timers, children).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from local.host.durable.entities import ENTITY_PREFIX, EntityHandle, EntityRunner
from local.host.durable.episode import (
    CancelTimer,
    EpisodeDecision,
    InstanceMeta,
    ParentLink,
    ReplayOutcome,
    RunActivity,
    RunEntityOperation,
    StartSubOrchestration,
    StartTimer,
    Work,
    decide_episode,
)
from local.host.durable.history import (
    COMPLETION_EVENTS,
    FAILURE_EVENTS,
    HTTP_ACTIVITY,
    EventType,
    event,
    iso,
    parse_time,
    utcnow,
)
from local.host.durable.http_call import durable_http_call
from local.host.durable.scheduler import InstanceScheduler
from local.host.durable.store import InstanceState, InstanceStore, history_key

logger = logging.getLogger(__name__)

OUT_OF_PROC_MARKER = "$OutOfProcData$:"
EPISODE_SAMPLES = 100_000
SCHEMA_VERSION = 2  # ReplaySchema.V3: compound WhenAny / WhenAll actions
DELIVERY_ATTEMPTS = 30
# Instances whose history and inbox are read at once when the host starts (engine.start).
RESUME_READ_CONCURRENCY = 16
# History events azure-functions-durable 1.7's executor ignores (it matches completions by id).
SDK_IGNORED_EVENTS = frozenset(
    {
        EventType.ORCHESTRATOR_COMPLETED,
        EventType.TASK_SCHEDULED,
        EventType.TIMER_CREATED,
        EventType.SUB_ORCHESTRATION_CREATED,
        EventType.EXECUTION_SUSPENDED,
        EventType.EXECUTION_RESUMED,
    }
)


@dataclass(frozen=True)
class ResumePlan:
    """What one unfinished instance needs after a restart: its work and its waited-on children."""

    state: InstanceState
    work: tuple[Work, ...]
    children: tuple[dict[str, Any], ...]


class InstanceExists(Exception):
    """Start was asked for an instance id that is still running."""


class InstanceNotFound(Exception):
    """No instance with that id."""


class InstanceGone(Exception):
    """The instance has already reached a terminal status."""


class NotRewindable(Exception):
    """Rewind applies to failed instances only."""


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
        entities: dict[str, EntityHandle] | None = None,
    ) -> None:
        self._store = store
        self._orchestrators = orchestrators
        self._activities = activities

        self._pool = ThreadPoolExecutor(max_workers=activity_workers, thread_name_prefix="activity")
        self._scheduler = InstanceScheduler(self._run_one_episode)
        self.entities = EntityRunner(
            store, self._scheduler, self._pool, entities or {}, self._deliver
        )
        # History of unfinished instances, so an episode reads only its new (inbox) rows.
        self._histories: dict[str, list[dict[str, Any]]] = {}
        # State rows of unfinished instances as last written by an episode; any other writer
        # (terminate, suspend, resume, rewind, start, purge) drops the entry instead.
        self._states: dict[str, InstanceState] = {}
        # Replay time per episode, for the benchmark; bounded so a long `make run` cannot grow it.
        self.episode_durations_ms: deque[float] = deque(maxlen=EPISODE_SAMPLES)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> int:
        """Open storage and resume every unfinished instance from its history.

        Two phases: every instance's history and inbox are read first, a few at a time
        (RESUME_READ_CONCURRENCY), and only then is their work restarted, without awaiting
        anything: restarted work floods the loop, and the host listens once this returns
        (README "The local Functions host").
        """
        await self._store.open()
        active = [
            s
            for s in await self._store.list_active()
            if not s.instance_id.startswith(ENTITY_PREFIX)
        ]
        reads = asyncio.Semaphore(RESUME_READ_CONCURRENCY)

        async def plan(state: InstanceState) -> ResumePlan:
            async with reads:
                return await self._resume_plan(state)

        plans = await asyncio.gather(*(plan(state) for state in active))
        entities = await self.entities.resume()
        for resumed in plans:
            self._resume(resumed)
        if active or entities:
            logger.info(
                "resumed %d unfinished orchestration(s), %d entity queue(s)", len(active), entities
            )
        return len(active)

    async def stop(self) -> None:
        """Stop timers and workers; persisted state is left for the next start."""
        self._scheduler.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        await self._store.close()

    # ------------------------------------------------------------------ client API

    def has_orchestrator(self, name: str) -> bool:
        """True when the app registered an orchestrator of that name."""
        return name in self._orchestrators

    async def start_new(
        self,
        name: str,
        instance_id: str,
        input_json: str | None,
        parent: ParentLink | None = None,
    ) -> None:
        """Create an instance (input is the JSON of the extension's input token)."""
        if name not in self._orchestrators:
            raise KeyError(name)
        async with self._scheduler.lock(instance_id):
            existing = await self._store.load_state(instance_id)
            if existing is not None:
                if not existing.is_terminal:
                    raise InstanceExists(
                        f"An Orchestration instance with the status {existing.runtime_status} "
                        f"already exists."
                    )
                await self._store.purge(instance_id)
            self._histories[instance_id] = []
            self._states.pop(instance_id, None)
            now = utcnow()
            state = InstanceState(
                instance_id=instance_id,
                name=name,
                runtime_status="Pending",
                input=input_json,
                created_time=now,
                last_updated_time=now,
                meta=InstanceMeta(parent=parent).to_json(),
            )
            await self._store.create_instance(state)
        self._scheduler.wake(instance_id)

    async def status(self, instance_id: str) -> tuple[InstanceState, list[dict[str, Any]]] | None:
        """State row and history of an instance (None if unknown)."""
        state = await self._store.load_state(instance_id)
        if state is None:
            return None
        return state, list(await self._history(instance_id))

    async def list_instances(self, statuses: list[str] | None = None) -> list[InstanceState]:
        """State rows of every instance (optionally only those with one of the statuses)."""
        states = await self._store.list_states(statuses)
        return [s for s in states if not s.instance_id.startswith(ENTITY_PREFIX)]

    async def raise_event(self, instance_id: str, name: str, data_json: str | None) -> None:
        """Queue an external event; it waits in the inbox until the orchestrator asks for it."""
        state = await self._store.load_state(instance_id)
        if state is None:
            raise InstanceNotFound(instance_id)
        if state.is_terminal:
            raise InstanceGone(instance_id)
        raised = event(EventType.EVENT_RAISED, -1, utcnow(), Name=name, Input=data_json)
        await self._store.add_inbox(instance_id, raised)
        self._scheduler.wake(instance_id)

    async def terminate(self, instance_id: str, reason: str) -> None:
        """Mark the instance Terminated; running activities finish but are ignored."""
        async with self._scheduler.lock(instance_id):
            state = await self._active_state(instance_id)
            now = utcnow()
            state.runtime_status = "Terminated"
            state.output = json.dumps(reason)
            terminated = event(EventType.EXECUTION_TERMINATED, -1, now, Input=json.dumps(reason))
            inbox = await self._store.load_inbox(instance_id)
            await self._append(state, [terminated], [m.row_key for m in inbox])
        await self._finished(state)
        logger.info("terminated %s: %s", instance_id, reason)

    async def suspend(self, instance_id: str, reason: str) -> None:
        """Hold the instance: events queue up but no episode runs until it is resumed."""
        async with self._scheduler.lock(instance_id):
            state = await self._active_state(instance_id)
            if state.runtime_status == "Suspended":
                return
            state.meta["status_before_suspend"] = state.runtime_status
            state.runtime_status = "Suspended"
            await self._append_marker(state, EventType.EXECUTION_SUSPENDED, reason)

    async def resume(self, instance_id: str, reason: str) -> None:
        """Let a suspended instance run again, absorbing what queued meanwhile."""
        async with self._scheduler.lock(instance_id):
            state = await self._active_state(instance_id)
            if state.runtime_status != "Suspended":
                return
            state.runtime_status = state.meta.pop("status_before_suspend", "Running")
            await self._append_marker(state, EventType.EXECUTION_RESUMED, reason)
        self._scheduler.wake(instance_id)

    async def restart(self, instance_id: str, new_instance_id: str) -> None:
        """Start the instance's orchestrator again with its original input."""
        state = await self._store.load_state(instance_id)
        if state is None:
            raise InstanceNotFound(instance_id)
        await self.start_new(state.name, new_instance_id, state.input)

    async def rewind(self, instance_id: str, reason: str) -> None:
        """Undo a failed instance's last episode and run it again (failed tasks run again)."""
        async with self._scheduler.lock(instance_id):
            state = await self._store.load_state(instance_id)
            if state is None:
                raise InstanceNotFound(instance_id)
            if state.runtime_status != "Failed":
                raise NotRewindable(instance_id)
            history = await self._history(instance_id)
            last_start = max(
                (
                    i
                    for i, e in enumerate(history)
                    if e["EventType"] == EventType.ORCHESTRATOR_STARTED
                ),
                default=0,
            )
            absorbed = history[last_start + 1] if last_start + 1 < len(history) else None
            work = self._rewound_work(history, absorbed)
            if (
                absorbed is not None
                and not work
                and absorbed["EventType"] != EventType.EXECUTION_STARTED
            ):
                await self._store.add_inbox(instance_id, absorbed)
            state.runtime_status = "Running" if last_start > 0 else "Pending"
            state.output = None
            state.last_updated_time = utcnow()
            keys = [history_key(i) for i in range(last_start, len(history))]
            await self._store.commit_episode(state, last_start, [], [], keys)
            self._histories[instance_id] = history[:last_start]
            self._states.pop(instance_id, None)
        logger.info("rewound %s: %s", instance_id, reason)
        self._start_work(instance_id, work, InstanceMeta.from_json(state.meta).generation)
        self._scheduler.wake(instance_id)

    async def purge(self, instance_id: str) -> int:
        """Delete an instance and its history."""
        async with self._scheduler.lock(instance_id):
            self._scheduler.cancel_timers(instance_id)
            self._forget(instance_id)
            return await self._store.purge(instance_id)

    # ------------------------------------------------------------------ episodes

    async def _run_one_episode(self, instance_id: str) -> bool:
        """Absorb at most one deliverable inbox event; returns True if history advanced."""
        state = self._states.get(instance_id) or await self._store.load_state(instance_id)
        if state is None:
            return False
        inbox = await self._store.load_inbox(instance_id)
        if state.is_terminal:
            if inbox:
                await self._store.delete_inbox(instance_id, [m.row_key for m in inbox])
            self._forget(instance_id)
            return False
        if state.runtime_status == "Suspended":
            return False
        history = await self._history(instance_id)
        decision = decide_episode(
            state,
            history,
            inbox,
            InstanceMeta.from_json(state.meta),
            lambda full: self._timed_replay(state, full),
            utcnow(),
        )
        if decision is None:
            return False
        try:
            await self._commit(state, history, decision)
        except BaseException:
            self._forget(instance_id)  # the cached copies may be ahead of storage now
            raise
        self._start_work(instance_id, decision.work, decision.meta.generation)
        if state.is_terminal:
            await self._finished(state)
        return True

    async def _commit(
        self, state: InstanceState, history: list[dict[str, Any]], decision: EpisodeDecision
    ) -> None:
        """Persist one decision: history rows, consumed inbox rows and the state row."""
        if decision.runtime_status == "Failed":
            logger.warning("orchestration %s failed: %s", state.instance_id, decision.output)
        state.runtime_status = decision.runtime_status
        if decision.output is not None:
            state.output = decision.output
        if decision.custom_status is not None:
            state.custom_status = decision.custom_status
        if decision.new_input is not None:
            state.input = decision.new_input
        state.meta = decision.meta.to_json()
        state.last_updated_time = utcnow()
        reset_keys = (
            [history_key(i) for i in range(len(history))] if decision.reset_history else None
        )
        first_seq = 0 if decision.reset_history else len(history)
        await self._store.commit_episode(
            state, first_seq, decision.new_events, decision.consumed, reset_keys
        )
        self._states[state.instance_id] = state
        if decision.reset_history:
            self._scheduler.cancel_timers(state.instance_id)
            self._histories[state.instance_id] = list(decision.new_events)
        else:
            history.extend(decision.new_events)

    def _timed_replay(self, state: InstanceState, history: list[dict[str, Any]]) -> ReplayOutcome:
        started = time.perf_counter()
        try:
            return self._replay(state, history)
        finally:
            self.episode_durations_ms.append((time.perf_counter() - started) * 1000)

    def _replay(self, state: InstanceState, history: list[dict[str, Any]]) -> ReplayOutcome:
        """Run the registered orchestrator handle over the history: the SDK decides."""
        handle = self._orchestrators[state.name]
        parent = InstanceMeta.from_json(state.meta).parent
        context = {
            # Events the SDK never reads are left out: each one costs a dateutil parse per replay.
            "history": [e for e in history if e["EventType"] not in SDK_IGNORED_EVENTS],
            "instanceId": state.instance_id,
            "isReplaying": False,
            "parentInstanceId": parent.instance_id if parent else None,
            "input": context_input(state.input),
            "upperSchemaVersion": SCHEMA_VERSION,
            "upperSchemaVersionNew": SCHEMA_VERSION,
        }
        try:
            result = handle(json.dumps(context))
        except Exception as exc:  # the SDK reports user-code failures this way
            text = str(exc)
            failed = f"Orchestrator function '{state.name}' failed"
            if OUT_OF_PROC_MARKER in text:
                message, _, payload = text.partition(OUT_OF_PROC_MARKER)
                out = json.loads(payload)
                error = out.get("error") or message.strip()
                return ReplayOutcome.from_state(out, error=f"{failed}: {error}")
            return ReplayOutcome([], False, None, None, error=f"{failed}: {text}")
        return ReplayOutcome.from_state(json.loads(result))

    # ------------------------------------------------------------------ work

    def _start_work(self, instance_id: str, work: list[Work], generation: int) -> None:
        """Start the work of execution `generation`; its results reach only that execution."""
        for item in work:
            if isinstance(item, RunActivity):
                self._scheduler.spawn(self._run_activity(instance_id, item, generation))
            elif isinstance(item, StartTimer):
                self._arm_timer(instance_id, item.timer_id, item.fire_at, generation)
            elif isinstance(item, CancelTimer):
                self._scheduler.cancel_timer(instance_id, item.timer_id)
            elif isinstance(item, StartSubOrchestration):
                self._scheduler.spawn(self._start_child(instance_id, item, generation))
            elif isinstance(item, RunEntityOperation):
                self._scheduler.spawn(self.entities.enqueue(instance_id, item))

    def _arm_timer(self, instance_id: str, timer_id: int, fire_at: Any, generation: int) -> None:
        def fire() -> None:
            fired = event(
                EventType.TIMER_FIRED, -1, utcnow(), TimerId=timer_id, FireAt=iso(fire_at)
            )
            self._scheduler.spawn(self._deliver(instance_id, fired, generation))

        self._scheduler.arm_timer(instance_id, timer_id, fire_at, fire)

    async def _run_activity(self, instance_id: str, job: RunActivity, generation: int) -> None:
        """Run one activity attempt and queue its completion (at least once)."""
        try:
            result_json: str | None
            if job.name == HTTP_ACTIVITY:
                result_json = json.dumps(await durable_http_call(json.loads(job.input or "{}")))
            else:
                result_json = await self._invoke_activity(job)
            completion = event(
                EventType.TASK_COMPLETED,
                -1,
                utcnow(),
                TaskScheduledId=job.task_id,
                Result=result_json,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.info(
                "activity %s (task %d of %s) failed: %s", job.name, job.task_id, instance_id, exc
            )
            completion = event(
                EventType.TASK_FAILED,
                -1,
                utcnow(),
                TaskScheduledId=job.task_id,
                Reason=f"Activity function '{job.name}' failed: {type(exc).__name__}: {exc}",
                Details="".join(traceback.format_exception(exc))[-4000:],
            )
        await self._deliver(instance_id, completion, generation)

    async def _invoke_activity(self, job: RunActivity) -> str | None:
        """Call the user's activity the way the worker binds activityTrigger: JSON in, JSON out."""
        activity = self._activities.get(job.name)
        if activity is None:
            raise LookupError(f"The function '{job.name}' doesn't exist or is not an activity")
        value = (
            None
            if job.input is None
            else ActivityTriggerConverter.decode(
                meta.Datum(type="json", value=job.input), trigger_metadata=None
            )
        )
        kwargs = {activity.input_param: value}
        if asyncio.iscoroutinefunction(activity.func):
            result = await activity.func(**kwargs)
        else:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self._pool, lambda: activity.func(**kwargs))
        return ActivityTriggerConverter.encode(result, expected_type=None).value

    async def _start_child(
        self, parent_id: str, job: StartSubOrchestration, generation: int
    ) -> None:
        """Start a sub-orchestration; a start that cannot happen fails the parent's task."""
        token = None if job.input is None else json.dumps(job.input)
        try:
            await self.start_new(
                job.name, job.instance_id, token, ParentLink(parent_id, job.task_id, generation)
            )
        except KeyError:
            reason = f"The function '{job.name}' doesn't exist or is not an orchestrator function."
        except InstanceExists as exc:
            reason = str(exc)
        else:
            return
        failed = event(
            EventType.SUB_ORCHESTRATION_FAILED,
            -1,
            utcnow(),
            TaskScheduledId=job.task_id,
            Reason=reason,
            Details=None,
        )
        await self._deliver(parent_id, failed, generation)

    async def _finished(self, state: InstanceState) -> None:
        """A terminal instance: stop its timers, free its cache, tell its parent."""
        self._scheduler.cancel_timers(state.instance_id)
        self._forget(state.instance_id)
        parent = InstanceMeta.from_json(state.meta).parent
        if parent is not None:
            await self._deliver(
                parent.instance_id, _child_outcome(state, parent.task_id), parent.generation
            )

    async def _deliver(
        self, instance_id: str, new_event: dict[str, Any], generation: int | None = None
    ) -> None:
        """Persist a completion in the inbox and wake the instance (retrying storage faults).

        A result of work started by an earlier execution (`generation`, before a
        continue_as_new) is dropped, as the extension drops it by execution id.
        """
        for attempt in range(DELIVERY_ATTEMPTS):
            try:
                if generation is None:
                    delivered = await self._add_to_inbox(instance_id, new_event, None)
                else:  # not while an episode may be starting the next execution
                    async with self._scheduler.lock(instance_id):
                        delivered = await self._add_to_inbox(instance_id, new_event, generation)
                if not delivered:
                    return
                break
            except Exception:
                logger.warning("could not deliver event to %s (attempt %d)", instance_id, attempt)
                await asyncio.sleep(min(5.0, 0.2 * (attempt + 1)))
        else:
            logger.error("dropping event for %s after repeated storage failures", instance_id)
            return
        self._scheduler.wake(instance_id)

    async def _add_to_inbox(
        self, instance_id: str, new_event: dict[str, Any], generation: int | None
    ) -> bool:
        """Queue the event unless the instance is gone or the event is an earlier execution's."""
        state = self._states.get(instance_id) or await self._store.load_state(instance_id)
        if state is None or state.is_terminal:
            return False  # an event for an unknown or finished instance is dropped
        if generation is not None and generation != InstanceMeta.from_json(state.meta).generation:
            logger.debug("dropping a result of execution %d of %s", generation, instance_id)
            return False
        await self._store.add_inbox(instance_id, new_event)
        return True

    # ------------------------------------------------------------------ storage helpers

    async def _history(self, instance_id: str) -> list[dict[str, Any]]:
        """The cached history, read from storage once per host run."""
        cached = self._histories.get(instance_id)
        if cached is None:
            cached, _ = await self._store.load_rows(instance_id)
            state = await self._store.load_state(instance_id)
            if state is not None and not state.is_terminal:
                self._histories[instance_id] = cached
        return cached

    def _forget(self, instance_id: str) -> None:
        """Drop the cached history and state (finished, purged, or a failed write)."""
        self._histories.pop(instance_id, None)
        self._states.pop(instance_id, None)

    async def _active_state(self, instance_id: str) -> InstanceState:
        self._states.pop(instance_id, None)  # this writer's copy replaces the episode's
        state = await self._store.load_state(instance_id)
        if state is None:
            raise InstanceNotFound(instance_id)
        if state.is_terminal:
            raise InstanceGone(instance_id)
        return state

    async def _append(
        self, state: InstanceState, events: list[dict[str, Any]], consumed: list[str]
    ) -> None:
        """Append events outside an episode (terminate, suspend, resume) and save the state."""
        history = await self._history(state.instance_id)
        state.last_updated_time = utcnow()
        await self._store.commit_episode(state, len(history), events, consumed)
        history.extend(events)

    async def _append_marker(self, state: InstanceState, kind: EventType, reason: str) -> None:
        history = await self._history(state.instance_id)
        # A not-yet-started instance has no history to mark: its first episode opens it.
        events = [event(kind, -1, utcnow(), Reason=reason)] if history else []
        await self._append(state, events, [])

    def _rewound_work(
        self, history: list[dict[str, Any]], absorbed: dict[str, Any] | None
    ) -> list[Work]:
        """The failed task that the rewound episode had absorbed, to run it again."""
        if absorbed is None or absorbed["EventType"] not in FAILURE_EVENTS:
            return []
        task_id = absorbed["TaskScheduledId"]
        scheduled = next(
            (
                e
                for e in history
                if e["EventId"] == task_id
                and e["EventType"]
                in (EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_CREATED)
            ),
            None,
        )
        if scheduled is None:
            return []
        if scheduled["EventType"] == EventType.TASK_SCHEDULED:
            return [RunActivity(task_id, scheduled["Name"], scheduled.get("Input"))]
        return [
            StartSubOrchestration(
                task_id, scheduled["Name"], scheduled["InstanceId"], scheduled.get("Input")
            )
        ]

    async def _resume_plan(self, state: InstanceState) -> ResumePlan:
        """After a restart: what an instance left unfinished (read only, nothing started)."""
        history = await self._history(state.instance_id)
        inbox = await self._store.load_inbox(state.instance_id)
        done = {
            int(e[COMPLETION_EVENTS[EventType(e["EventType"])]])
            for e in history + [m.event for m in inbox]
            if e["EventType"] in COMPLETION_EVENTS
        }
        work: list[Work] = []
        children: list[dict[str, Any]] = []
        for past in history:
            if past["EventId"] in done:
                continue
            if past["EventType"] == EventType.TASK_SCHEDULED:
                work.append(RunActivity(past["EventId"], past["Name"], past.get("Input")))
            elif past["EventType"] == EventType.SUB_ORCHESTRATION_CREATED:
                children.append(past)
        for timer_id, fire_at in InstanceMeta.from_json(state.meta).timers.items():
            if timer_id not in done:
                work.append(StartTimer(timer_id, parse_time(fire_at)))
        return ResumePlan(state, tuple(work), tuple(children))

    def _resume(self, plan: ResumePlan) -> None:
        """Re-run unfinished tasks and children, re-arm timers, drain the inbox (all spawned)."""
        state = plan.state
        for created in plan.children:
            self._scheduler.spawn(self._resume_child(state, created))
        generation = InstanceMeta.from_json(state.meta).generation
        self._start_work(state.instance_id, list(plan.work), generation)
        self._scheduler.wake(state.instance_id)

    async def _resume_child(self, parent: InstanceState, created: dict[str, Any]) -> None:
        """A child the parent is waiting on: start it if it never started, report it if done."""
        parent_id = parent.instance_id
        child = await self._store.load_state(created["InstanceId"])
        job = StartSubOrchestration(
            created["EventId"], created["Name"], created["InstanceId"], created.get("Input")
        )
        generation = InstanceMeta.from_json(parent.meta).generation
        if child is None:
            self._scheduler.spawn(self._start_child(parent_id, job, generation))
        elif child.is_terminal:
            await self._deliver(parent_id, _child_outcome(child, job.task_id), generation)


def context_input(token_json: str | None) -> Any:
    """The orchestration input as the SDK's context expects it.

    A string token (what the Python client sends) or an object goes in as is; other JSON
    values (numbers, lists, booleans, from raw HTTP starts) go in as their JSON text, which
    is what the SDK's `get_input` can parse.
    """
    if token_json is None:
        return None
    token = json.loads(token_json)
    return token if isinstance(token, str | dict) else token_json


def _child_outcome(child: InstanceState, task_id: int) -> dict[str, Any]:
    """The parent's SubOrchestrationInstanceCompleted / Failed event for a finished child."""
    now = utcnow()
    if child.runtime_status == "Completed":
        return event(
            EventType.SUB_ORCHESTRATION_COMPLETED,
            -1,
            now,
            TaskScheduledId=task_id,
            Result=child.output,
        )
    reason = json.loads(child.output) if child.output else child.runtime_status
    if child.runtime_status == "Terminated":
        reason = f"Sub-orchestration '{child.instance_id}' was terminated: {reason}"
    return event(
        EventType.SUB_ORCHESTRATION_FAILED,
        -1,
        now,
        TaskScheduledId=task_id,
        Reason=str(reason),
        Details=None,
    )
