"""When the engine created this instance: the ExecutionStarted event's timestamp (replay-safe)."""

from datetime import datetime

import azure.durable_functions as df
from azure.durable_functions.models.history import HistoryEventType


def instance_created_at(context: df.DurableOrchestrationContext) -> datetime | None:
    """The creation time recorded in history (stable across replays), or None if absent."""
    for event in context.histories or []:
        if event.event_type == HistoryEventType.EXECUTION_STARTED:
            return event.timestamp
    return None
