"""One orchestration episode as a pure decision: history + inbox + bookkeeping in, events out.

One new event is absorbed per episode. That keeps task numbering identical to the
SDK's own counter even for `RetryOptions`, whose retry timers and re-scheduled
attempts take task ids that never appear in the action list.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from local.host.durable.history import (
    COMPLETION_EVENTS,
    FAILURE_EVENTS,
    HTTP_ACTIVITY,
    SUPPORTED_ACTIONS,
    ActionType,
    EventType,
    event,
    flatten_actions,
    iso,
    parse_time,
)
from local.host.durable.store import InboxMessage, InstanceState

MAX_CUSTOM_STATUS_BYTES = 16 * 1024
UNSUPPORTED_ACTION_NAMES: dict[int, str] = {}


class UnsupportedAction(Exception):
    """The orchestrator used a Durable feature the local engine does not implement."""


# ---------------------------------------------------------------------- bookkeeping


@dataclass
class RetryChain:
    """A task scheduled with RetryOptions: what to schedule again and how often."""

    kind: str  # "activity" or "sub_orchestration"
    name: str
    input: str | None
    attempts: int
    max_attempts: int
    interval_ms: int
    instance_id: str | None = None


@dataclass(frozen=True)
class ParentLink:
    """The orchestration that started this one as a sub-orchestration, and its task id."""

    instance_id: str
    task_id: int
    # The parent's execution (continue_as_new generation) that started the child.
    generation: int | None = None


@dataclass
class InstanceMeta:
    """The engine's per-instance bookkeeping, persisted with the state row."""

    next_id: int = 0
    # Per flattened action index: the task id it took (None for waits).
    action_ids: list[int | None] = field(default_factory=list)
    retries: dict[int, RetryChain] = field(default_factory=dict)
    retry_timers: dict[int, RetryChain] = field(default_factory=dict)
    timers: dict[int, str] = field(default_factory=dict)  # live timer id -> fireAt
    waits: dict[str, int] = field(default_factory=dict)  # event name -> waits so far
    completion: str | None = None  # output held back until the last live timer fires
    completion_pending: bool = False
    parent: ParentLink | None = None
    # Which execution this is: continue_as_new starts the next one. Results of work the
    # previous execution started are discarded, as the extension does (its execution id).
    generation: int = 0

    def take_id(self) -> int:
        """The next task id from the counter the SDK also counts with."""
        task_id = self.next_id
        self.next_id += 1
        return task_id

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for the state row."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> InstanceMeta:
        """Read the state row's form (integer keys come back as strings)."""
        parent = raw.get("parent")
        return cls(
            next_id=int(raw.get("next_id", 0)),
            action_ids=list(raw.get("action_ids", [])),
            retries={int(k): RetryChain(**v) for k, v in raw.get("retries", {}).items()},
            retry_timers={int(k): RetryChain(**v) for k, v in raw.get("retry_timers", {}).items()},
            timers={int(k): v for k, v in raw.get("timers", {}).items()},
            waits=dict(raw.get("waits", {})),
            completion=raw.get("completion"),
            completion_pending=bool(raw.get("completion_pending", "completion" in raw)),
            parent=ParentLink(**parent) if parent else None,
            generation=int(raw.get("generation", 0)),
        )


# ---------------------------------------------------------------------- work items


@dataclass(frozen=True)
class RunActivity:
    """Run an activity attempt and report its completion as task `task_id`."""

    task_id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class StartTimer:
    """Fire timer `timer_id` at `fire_at`."""

    timer_id: int
    fire_at: datetime


@dataclass(frozen=True)
class CancelTimer:
    """Stop a timer the orchestrator cancelled."""

    timer_id: int


@dataclass(frozen=True)
class StartSubOrchestration:
    """Start a child instance whose outcome completes task `task_id`."""

    task_id: int
    name: str
    instance_id: str
    input: str | None


@dataclass(frozen=True)
class RunEntityOperation:
    """One operation on an entity; a call (request_id set) answers the caller with an event."""

    entity_id: str  # the scheduler id, "@name@key"
    operation: str
    input: str | None
    request_id: str | None


Work = RunActivity | StartTimer | CancelTimer | StartSubOrchestration | RunEntityOperation


# ---------------------------------------------------------------------- replay result


@dataclass
class ReplayOutcome:
    """What one replay of the SDK decided."""

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


Replay = Callable[[list[dict[str, Any]]], ReplayOutcome]


@dataclass
class EpisodeDecision:
    """Everything one episode changes; the engine persists it, then starts the work."""

    new_events: list[dict[str, Any]]
    consumed: list[str]
    meta: InstanceMeta
    work: list[Work]
    runtime_status: str
    output: str | None = None
    custom_status: str | None = None
    new_input: str | None = None  # set by continue_as_new (the next generation's input)
    reset_history: bool = False


# ---------------------------------------------------------------------- the decision


def decide_episode(
    state: InstanceState,
    history: list[dict[str, Any]],
    inbox: list[InboxMessage],
    meta: InstanceMeta,
    replay: Replay,
    now: datetime,
) -> EpisodeDecision | None:
    """Absorb at most one deliverable inbox event and replay; None when nothing can happen."""
    before = meta
    meta = copy.deepcopy(meta)
    if not history:
        started = _execution_started(state, meta.parent)
        opening = [event(EventType.ORCHESTRATOR_STARTED, -1, now), started]
        return _replay_episode(state, history, opening, [], meta, before, replay, now, "Running")
    message = next_deliverable(history, inbox, meta)
    if message is None:
        return None
    if meta.completion_pending and message.event["EventType"] == EventType.TIMER_FIRED:
        return _finish_held_completion(state, message, meta, now)
    opening = [event(EventType.ORCHESTRATOR_STARTED, -1, now), message.event]
    consumed = [message.row_key]
    status = state.runtime_status
    decision = _replay_episode(state, history, opening, consumed, meta, before, replay, now, status)
    if decision.reset_history:
        # Like the extension's ContinueAsNew: results of the old execution's unfinished tasks
        # (a timer that had not fired, an activity still running) are discarded. Raised
        # events wait in the inbox for a waiter, so they reach the next execution.
        decision.consumed = [
            m.row_key
            for m in inbox
            if m.row_key in consumed or m.event["EventType"] in COMPLETION_EVENTS
        ]
    return decision


def _execution_started(state: InstanceState, parent: ParentLink | None) -> dict[str, Any]:
    return event(
        EventType.EXECUTION_STARTED,
        -1,
        state.created_time,  # like DTFx: when the start was accepted, not first run
        Name=state.name,
        Version="",
        Input=state.input,
        OrchestrationInstance={"InstanceId": state.instance_id},
        ParentInstance=None
        if parent is None
        else {"OrchestrationInstance": {"InstanceId": parent.instance_id}},
    )


def _replay_episode(
    state: InstanceState,
    history: list[dict[str, Any]],
    opening: list[dict[str, Any]],
    consumed: list[str],
    meta: InstanceMeta,
    before: InstanceMeta,
    replay: Replay,
    now: datetime,
    status: str,
) -> EpisodeDecision:
    """Replay with the new events, schedule what the SDK asked for, then settle the outcome."""
    new_events = list(opening)
    decisions, work = retry_bookkeeping(opening[-1], meta, now)
    new_events.extend(decisions)
    for past in history:
        past["IsPlayed"] = True
    outcome = replay(history + new_events)
    continue_input = _schedule_outcome(state, outcome, meta, now, new_events, work)
    new_events.append(event(EventType.ORCHESTRATOR_COMPLETED, -1, now))
    decision = EpisodeDecision(
        new_events, consumed, meta, work, status, custom_status=outcome.custom_status_json
    )
    if outcome.error is not None:
        _fail(decision, outcome.error, before, now)
    elif continue_input is not None:
        decision.runtime_status = "Running"
        decision.new_input = json.dumps(continue_input)
        decision.meta = InstanceMeta(parent=meta.parent, generation=meta.generation + 1)
        decision.reset_history = True
        decision.new_events = []
        decision.work = []
    elif outcome.is_done:
        _complete(decision, outcome.output_json, now)
    return decision


def _schedule_outcome(
    state: InstanceState,
    outcome: ReplayOutcome,
    meta: InstanceMeta,
    now: datetime,
    new_events: list[dict[str, Any]],
    work: list[Work],
) -> str | None:
    """Apply the replay's new actions (a problem becomes outcome.error); continue_as_new input."""
    custom = outcome.custom_status_json
    if custom is not None and len(custom.encode()) > MAX_CUSTOM_STATUS_BYTES:
        outcome.error = f"Orchestrator function '{state.name}' failed: custom status exceeds 16 KB"
    if outcome.error is not None:
        return None
    try:
        more, more_work, continue_input = apply_actions(
            state.instance_id, outcome.actions, meta, now
        )
    except UnsupportedAction as exc:
        outcome.error = f"Orchestrator function '{state.name}' failed: {exc}"
        return None
    new_events.extend(more)
    work.extend(more_work)
    return continue_input


def _fail(decision: EpisodeDecision, error: str, before: InstanceMeta, now: datetime) -> None:
    decision.runtime_status = "Failed"
    decision.output = json.dumps(error)
    decision.new_events.append(event(EventType.EXECUTION_FAILED, -1, now, Reason=error))
    decision.work = []
    decision.meta = before  # rewind replays this episode from the bookkeeping before it


def _complete(decision: EpisodeDecision, output_json: str | None, now: datetime) -> None:
    """Completed, unless a live timer holds the output back until it fires."""
    decision.output = output_json
    if decision.meta.timers:
        decision.meta.completion = output_json
        decision.meta.completion_pending = True
        return
    decision.runtime_status = "Completed"
    decision.new_events.append(event(EventType.EXECUTION_COMPLETED, -1, now, Result=output_json))


def _finish_held_completion(
    state: InstanceState, message: InboxMessage, meta: InstanceMeta, now: datetime
) -> EpisodeDecision:
    """An orchestrator returned with a live timer: it completes once the last timer fires."""
    meta.timers.pop(int(message.event["TimerId"]), None)
    if meta.timers:
        return EpisodeDecision([], [message.row_key], meta, [], state.runtime_status)
    output = meta.completion
    meta.completion, meta.completion_pending = None, False
    done = event(EventType.EXECUTION_COMPLETED, -1, now, Result=output)
    return EpisodeDecision([done], [message.row_key], meta, [], "Completed", output=output)


def next_deliverable(
    history: list[dict[str, Any]], inbox: list[InboxMessage], meta: InstanceMeta
) -> InboxMessage | None:
    """First inbox event the orchestrator can take now; raised events wait for a waiter."""
    completed: set[tuple[str, int]] = set()
    raised_counts: dict[str, int] = {}
    for past in history:
        kind = past["EventType"]
        if kind in COMPLETION_EVENTS:
            completed.add(_completion_key(past))
        elif kind == EventType.EVENT_RAISED:
            raised_counts[past["Name"]] = raised_counts.get(past["Name"], 0) + 1
    for message in inbox:
        kind = message.event["EventType"]
        if kind in COMPLETION_EVENTS:
            if _completion_key(message.event) not in completed:
                return message  # else a duplicate completion (activities run at least once)
        elif kind == EventType.EVENT_RAISED:
            name = message.event["Name"]
            if meta.waits.get(name, 0) > raised_counts.get(name, 0):
                return message
    return None


def _completion_key(completion: dict[str, Any]) -> tuple[str, int]:
    id_field = COMPLETION_EVENTS[EventType(completion["EventType"])]
    return id_field, int(completion[id_field])


def retry_bookkeeping(
    new_event: dict[str, Any], meta: InstanceMeta, now: datetime
) -> tuple[list[dict[str, Any]], list[Work]]:
    """Mirror the SDK's RetryAbleTask: a retry timer after a failure, a new attempt after it."""
    kind = new_event["EventType"]
    if kind in FAILURE_EVENTS:
        chain = meta.retries.pop(int(new_event["TaskScheduledId"]), None)
        if chain is None:
            return [], []
        timer_id = meta.take_id()
        fire_at = now + timedelta(milliseconds=chain.interval_ms)
        meta.retry_timers[timer_id] = chain
        meta.timers[timer_id] = iso(fire_at)
        created = event(EventType.TIMER_CREATED, timer_id, now, FireAt=iso(fire_at))
        return [created], [StartTimer(timer_id, fire_at)]
    if kind == EventType.TIMER_FIRED:
        meta.timers.pop(int(new_event["TimerId"]), None)
        chain = meta.retry_timers.pop(int(new_event["TimerId"]), None)
        if chain is None or chain.attempts >= chain.max_attempts:
            return [], []
        chain.attempts += 1
        task_id = meta.take_id()
        meta.retries[task_id] = chain
        return _schedule(task_id, chain.kind, chain.name, chain.input, chain.instance_id, now)
    return [], []


def _schedule(
    task_id: int, kind: str, name: str, input_json: str | None, child_id: str | None, now: datetime
) -> tuple[list[dict[str, Any]], list[Work]]:
    """The history event and the work for one activity or sub-orchestration attempt."""
    if kind == "activity":
        scheduled = event(EventType.TASK_SCHEDULED, task_id, now, Name=name, Input=input_json)
        return [scheduled], [RunActivity(task_id, name, input_json)]
    assert child_id is not None
    created = event(
        EventType.SUB_ORCHESTRATION_CREATED,
        task_id,
        now,
        Name=name,
        Input=input_json,
        InstanceId=child_id,
    )
    return [created], [StartSubOrchestration(task_id, name, child_id, input_json)]


def apply_actions(
    instance_id: str, actions: list[Any], meta: InstanceMeta, now: datetime
) -> tuple[list[dict[str, Any]], list[Work], str | None]:
    """Schedule the actions the orchestrator added in this episode; honour timer cancels."""
    decisions: list[dict[str, Any]] = []
    work: list[Work] = []
    continue_input: str | None = None
    for index, action in enumerate(flatten_actions(actions)):
        action_type = action.get("actionType")
        if index < len(meta.action_ids):
            task_id = meta.action_ids[index]
            cancelled = action_type == ActionType.CREATE_TIMER and action.get("isCanceled")
            if cancelled and task_id is not None and task_id in meta.timers:
                meta.timers.pop(task_id)
                work.append(CancelTimer(task_id))
            continue
        if action_type not in SUPPORTED_ACTIONS:
            known = UNSUPPORTED_ACTION_NAMES.get(action_type) if action_type is not None else None
            feature = known or f"action type {action_type}"
            raise UnsupportedAction(f"{feature} is not supported by the local host")
        if action_type == ActionType.WAIT_FOR_EXTERNAL_EVENT:
            name = action["externalEventName"]
            meta.waits[name] = meta.waits.get(name, 0) + 1
            meta.action_ids.append(None)
            continue
        task_id = meta.take_id()
        meta.action_ids.append(task_id)
        if action_type == ActionType.CREATE_TIMER:
            fire_at_text = action["fireAt"]
            decisions.append(event(EventType.TIMER_CREATED, task_id, now, FireAt=fire_at_text))
            if not action.get("isCanceled"):
                meta.timers[task_id] = fire_at_text
                work.append(StartTimer(task_id, parse_time(fire_at_text)))
        elif action_type == ActionType.CONTINUE_AS_NEW:
            continue_input = action.get("input")
        elif action_type == ActionType.CALL_HTTP:
            request = json.dumps(action.get("httpRequest") or {})
            more, more_work = _schedule(task_id, "activity", HTTP_ACTIVITY, request, None, now)
            decisions.extend(more)
            work.extend(more_work)
        elif action_type in (ActionType.CALL_ENTITY, ActionType.SIGNAL_ENTITY):
            sent, job = _entity_request(task_id, action, now)
            decisions.append(sent)
            work.append(job)
            if job.request_id is not None:
                meta.waits[job.request_id] = 1  # the response arrives as an event of that name
        else:
            more, more_work = _schedule_task(instance_id, task_id, action, meta, now)
            decisions.extend(more)
            work.extend(more_work)
    return decisions, work, continue_input


def _entity_request(
    task_id: int, action: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], RunEntityOperation]:
    """EventSent to the entity (its Input names the request id the SDK waits on) and the work."""
    is_call = action["actionType"] == ActionType.CALL_ENTITY
    request_id = str(uuid.uuid4()) if is_call else None
    payload = {"id": request_id, "op": action.get("operation"), "signal": not is_call}
    sent = event(
        EventType.EVENT_SENT,
        task_id,
        now,
        Name="op",
        InstanceId=action["instanceId"],
        Input=json.dumps(payload),
    )
    job = RunEntityOperation(
        action["instanceId"], action.get("operation") or "", action.get("input"), request_id
    )
    return sent, job


def _schedule_task(
    instance_id: str, task_id: int, action: dict[str, Any], meta: InstanceMeta, now: datetime
) -> tuple[list[dict[str, Any]], list[Work]]:
    """An activity or sub-orchestration action, with or without retry options."""
    action_type = action["actionType"]
    is_activity = action_type in (ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY)
    kind = "activity" if is_activity else "sub_orchestration"
    name = action["functionName"]
    input_json = action.get("input")
    # Like the extension: a child without a chosen id gets "<parent id>:<task id>".
    child_id = None if is_activity else action.get("instanceId") or f"{instance_id}:{task_id}"
    if action_type in (
        ActionType.CALL_ACTIVITY_WITH_RETRY,
        ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
    ):
        options = action.get("retryOptions") or {}
        meta.retries[task_id] = RetryChain(
            kind=kind,
            name=name,
            input=input_json,
            attempts=1,
            max_attempts=int(options.get("maxNumberOfAttempts", 1)),
            interval_ms=int(options.get("firstRetryIntervalInMilliseconds", 1000)),
            instance_id=child_id,
        )
    return _schedule(task_id, kind, name, input_json, child_id, now)
