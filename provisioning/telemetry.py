"""App events for Azure Monitor: one log line per event that carries its dimensions both ways.

The Functions worker's own OpenTelemetry export (app setting
PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY, package azure-monitor-opentelemetry) is configured
by the worker before function_app loads, so the app imports nothing for it (benchmarks.md). With it
on, `extra` fields reach customDimensions; with it off the worker drops them, so the message
also ends with the fields as JSON. The shared KQL function (infra/app/queries/app_events.kql)
reads whichever is there. Locally nothing is configured, so nothing is exported.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from importlib.util import find_spec

# Every event the app writes and when (docs/monitoring.md shows this table).
EVENTS: dict[str, str] = {
    "attempt_accepted": "an operation was accepted (JobState row written, orchestration started)",
    "attempt_finished": "an operation ended: `outcome` is `succeeded`, `failed` or `cancelled`",
    "preflight_checked": "a preflight answered: `checks` lists every check id with its status",
}
EXPORT_SETTING = "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"
LOGGER_NAME_SETTING = "PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME"
CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
DISTRO_MODULE = "azure.monitor.opentelemetry"
# The worker exports only this logger's tree, so SDK and HTTP chatter stays out of traces.
EXPORTED_LOGGER = "provisioning"

_first_event_logged = False
_logger = logging.getLogger(__name__)


def dimensions_exported(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether events reach customDimensions: export on, a connection string, the distro present."""
    return (
        environ.get(EXPORT_SETTING, "").strip().lower() == "true"
        and bool(environ.get(CONNECTION_SETTING, "").strip())
        and _distro_installed()
    )


def _distro_installed() -> bool:
    try:
        return find_spec(DISTRO_MODULE) is not None
    except ModuleNotFoundError:  # the `azure.monitor` namespace itself is absent
        return False


def log_event(
    logger: logging.Logger, event: str, dimensions: Mapping[str, object], summary: str
) -> None:
    """Log one event: readable summary, then its fields as JSON, and the same fields as extra."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}: add it to provisioning.telemetry.EVENTS")
    _say_once_how_events_travel()
    payload = {"event": event, **dimensions}
    logger.info(
        "%s %s %s",
        event,
        summary,
        json.dumps(payload, sort_keys=True, default=str),
        extra=payload,
    )


def _say_once_how_events_travel() -> None:
    """An operator reading traces learns which of the two paths the queries will use."""
    global _first_event_logged
    if _first_event_logged:
        return
    _first_event_logged = True
    if dimensions_exported():
        _logger.info("events: dimensions exported to customDimensions by OpenTelemetry")
    else:
        _logger.info("events: dimensions only in the message JSON (%s is not on)", EXPORT_SETTING)
