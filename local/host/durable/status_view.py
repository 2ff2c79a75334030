"""The extension's JSON views of an instance: the status payload and the `showHistory` array."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from local.host.durable.history import EventType
from local.host.durable.store import InstanceState

SCHEDULING_EVENTS = {
    EventType.TASK_COMPLETED: EventType.TASK_SCHEDULED,
    EventType.TASK_FAILED: EventType.TASK_SCHEDULED,
    EventType.SUB_ORCHESTRATION_COMPLETED: EventType.SUB_ORCHESTRATION_CREATED,
    EventType.SUB_ORCHESTRATION_FAILED: EventType.SUB_ORCHESTRATION_CREATED,
}
OUTPUT_EVENTS = frozenset(
    {EventType.TASK_COMPLETED, EventType.SUB_ORCHESTRATION_COMPLETED, EventType.EXECUTION_COMPLETED}
)
EPISODE_MARKERS = frozenset({EventType.ORCHESTRATOR_STARTED, EventType.ORCHESTRATOR_COMPLETED})


def status_time(moment: datetime) -> str:
    """DTFx's status timestamps: ISO 8601 to the second, UTC, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_token(text: str | None) -> Any:
    """The JSON value stored as text (the extension keeps payloads as JSON tokens)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def status_payload(
    state: InstanceState,
    history: list[dict[str, Any]] | None,
    show_input: bool,
    show_history_output: bool = False,
) -> dict[str, Any]:
    """StatusResponsePayload: the body of GET instances/{id} and of each listed instance."""
    body: dict[str, Any] = {
        "name": state.name,
        "instanceId": state.instance_id,
        "runtimeStatus": state.runtime_status,
        "input": json_token(state.input) if show_input else None,
        "customStatus": json_token(state.custom_status),
        "output": json_token(state.output),
        "createdTime": status_time(state.created_time),
        "lastUpdatedTime": status_time(state.last_updated_time),
    }
    if history is not None:
        body["historyEvents"] = history_view(history, show_history_output, show_input)
    return body


def history_view(
    history: list[dict[str, Any]], show_output: bool, show_input: bool
) -> list[dict[str, Any]]:
    """History the way the extension shows it: named event types, scheduling folded in."""
    scheduled: dict[tuple[EventType, int], dict[str, Any]] = {}
    folded: set[int] = set()
    for index, past in enumerate(history):
        kind = EventType(past["EventType"])
        if kind in (EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_CREATED):
            scheduled[(kind, past["EventId"])] = {**past, "index": index}
    shown: list[tuple[int, dict[str, Any]]] = []
    for index, past in enumerate(history):
        kind = EventType(past["EventType"])
        if kind in EPISODE_MARKERS:
            continue
        item = _view_of(past, kind, show_output)
        origin = SCHEDULING_EVENTS.get(kind)
        if origin is not None:
            source = scheduled.get((origin, past.get("TaskScheduledId", -1)))
            item.pop("TaskScheduledId", None)
            if source is not None:
                item["ScheduledTime"] = source["Timestamp"]
                item["FunctionName"] = source["Name"]
                if show_input:
                    item["Input"] = source.get("Input")
                folded.add(source["index"])
        if not show_input:
            item.pop("Input", None)
        shown.append((index, item))
    return [item for index, item in shown if index not in folded]


def _view_of(past: dict[str, Any], kind: EventType, show_output: bool) -> dict[str, Any]:
    item = {k: v for k, v in past.items() if k not in ("EventId", "IsPlayed", "Version")}
    if kind == EventType.EXECUTION_STARTED:
        item["FunctionName"] = item.pop("Name", None)
        item.pop("OrchestrationInstance", None)
        item.pop("ParentInstance", None)
        item.pop("Tags", None)
    elif kind == EventType.EXECUTION_FAILED:
        # DTFx records a failure as ExecutionCompleted with status Failed.
        kind = EventType.EXECUTION_COMPLETED
        item = {
            "Timestamp": past["Timestamp"],
            "OrchestrationStatus": "Failed",
            "Result": past.get("Reason"),
        }
    elif kind == EventType.EXECUTION_COMPLETED:
        item["OrchestrationStatus"] = "Completed"
    elif kind == EventType.TIMER_FIRED:
        item.pop("TimerId", None)
    if kind in OUTPUT_EVENTS:
        if show_output:
            item["Result"] = json_token(item.get("Result"))
        else:
            item.pop("Result", None)
    item = {
        "EventType": _event_type_name(kind),
        **{k: v for k, v in item.items() if k != "EventType"},
    }
    return item


def _event_type_name(kind: EventType) -> str:
    """DTFx's EventType enum names (SubOrchestrationInstance*, not our short names)."""
    names = {
        EventType.SUB_ORCHESTRATION_CREATED: "SubOrchestrationInstanceCreated",
        EventType.SUB_ORCHESTRATION_COMPLETED: "SubOrchestrationInstanceCompleted",
        EventType.SUB_ORCHESTRATION_FAILED: "SubOrchestrationInstanceFailed",
    }
    return names.get(kind) or "".join(part.capitalize() for part in kind.name.split("_"))
