"""Durable history events and action flattening: the out-of-process protocol, as data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any


class EventType(IntEnum):
    """History event types as the Python SDK numbers them."""

    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_FAILED = 2
    EXECUTION_TERMINATED = 3
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_CREATED = 7
    SUB_ORCHESTRATION_COMPLETED = 8
    SUB_ORCHESTRATION_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    CONTINUE_AS_NEW = 16
    GENERIC_EVENT = 17
    HISTORY_STATE = 18
    EXECUTION_SUSPENDED = 19
    EXECUTION_RESUMED = 20


class ActionType(IntEnum):
    """Orchestrator action types (the `actionType` field of the SDK's state)."""

    CALL_ACTIVITY = 0
    CALL_ACTIVITY_WITH_RETRY = 1
    CALL_SUB_ORCHESTRATOR = 2
    CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
    CONTINUE_AS_NEW = 4
    CREATE_TIMER = 5
    WAIT_FOR_EXTERNAL_EVENT = 6
    CALL_ENTITY = 7
    CALL_HTTP = 8
    SIGNAL_ENTITY = 9
    WHEN_ANY = 11
    WHEN_ALL = 12


# Actions that take a sequence number from the SDK's shared task counter.
NUMBERED_ACTIONS = frozenset(
    {
        ActionType.CALL_ACTIVITY,
        ActionType.CALL_ACTIVITY_WITH_RETRY,
        ActionType.CALL_SUB_ORCHESTRATOR,
        ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
        ActionType.CREATE_TIMER,
        ActionType.CALL_ENTITY,
        ActionType.CALL_HTTP,
        ActionType.SIGNAL_ENTITY,
        ActionType.CONTINUE_AS_NEW,
    }
)
SUPPORTED_ACTIONS = frozenset(
    {
        ActionType.CALL_ACTIVITY,
        ActionType.CALL_ACTIVITY_WITH_RETRY,
        ActionType.CALL_SUB_ORCHESTRATOR,
        ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
        ActionType.CREATE_TIMER,
        ActionType.WAIT_FOR_EXTERNAL_EVENT,
        ActionType.CONTINUE_AS_NEW,
        ActionType.CALL_ENTITY,
        ActionType.SIGNAL_ENTITY,
        ActionType.CALL_HTTP,
    }
)
# What DTFx names the activity behind call_http (its TaskScheduled event carries the request).
HTTP_ACTIVITY = "BuiltIn::HttpActivity"
# Completion events and the field that names the task they complete.
COMPLETION_EVENTS = {
    EventType.TASK_COMPLETED: "TaskScheduledId",
    EventType.TASK_FAILED: "TaskScheduledId",
    EventType.SUB_ORCHESTRATION_COMPLETED: "TaskScheduledId",
    EventType.SUB_ORCHESTRATION_FAILED: "TaskScheduledId",
    EventType.TIMER_FIRED: "TimerId",
}
FAILURE_EVENTS = frozenset({EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED})


def iso(moment: datetime) -> str:
    """ISO 8601 UTC text with a Z suffix, the way the host writes timestamps."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """Read an ISO 8601 timestamp (naive ones are UTC)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The host's clock (orchestrators see it only through OrchestratorStarted)."""
    return datetime.now(UTC)


def event(event_type: EventType, event_id: int, when: datetime, **fields: Any) -> dict[str, Any]:
    """One history event in the JSON shape the SDK's HistoryEvent accepts."""
    return {
        "EventType": int(event_type),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": iso(when),
        **fields,
    }


def flatten_actions(actions: list[Any]) -> list[dict[str, Any]]:
    """All atomic actions in scheduling order (V1 nested lists and V2 compound actions)."""
    return list(_walk(actions))


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        action_type = node.get("actionType")
        if action_type in (ActionType.WHEN_ANY, ActionType.WHEN_ALL):
            yield from _walk(node.get("compoundActions") or [])
        else:
            yield node


def is_numbered(action: dict[str, Any]) -> bool:
    """True when the SDK gave this action a task id from its counter."""
    return action.get("actionType") in NUMBERED_ACTIONS
