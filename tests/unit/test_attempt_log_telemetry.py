"""Event fields become OpenTelemetry attributes (customDimensions), and the app runs either way."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from provisioning.jobs.events import attempt_dimensions, log_attempt_event
from provisioning.telemetry import (
    CONNECTION_SETTING,
    DISTRO_MODULE,
    EXPORT_SETTING,
    EXPORTED_LOGGER,
    dimensions_exported,
)
from tests.unit.test_attempt_log import failed_job

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# An ingestion endpoint nothing listens on: configuring must not need the network.
UNREACHABLE = (
    "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=http://127.0.0.1:9/"
)
# What the Functions worker does with PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true (before it
# imports function_app), then one provision accepted and finished through the app's own code.
WORKER_SCRIPT = """
import json, logging, os, sys
if os.environ.get("PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY") == "true":
    from azure.monitor.opentelemetry import configure_azure_monitor
    configure_azure_monitor(logger_name="provisioning", enable_live_metrics=False,
                            disable_offline_storage=True)
import function_app
from provisioning.jobs.events import log_attempt_event
from provisioning.telemetry import dimensions_exported
from tests.unit.test_attempt_log import failed_job
logging.getLogger("provisioning").setLevel(logging.INFO)
log_attempt_event("attempt_finished", failed_job())
handlers = [type(h).__name__ for h in logging.getLogger("provisioning").handlers]
print(json.dumps({"handlers": handlers, "exported": dimensions_exported()}))
sys.stdout.flush()
os._exit(0)  # skip the exporter's flush to the unreachable endpoint at exit
"""


@pytest.fixture
def exported_records() -> Iterator[InMemoryLogRecordExporter]:
    """The app's logger tree wired to an in-memory OpenTelemetry exporter, as the worker does."""
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    with warnings.catch_warnings():  # deprecated for the distro's handler; the same mapping
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    app_logger = logging.getLogger(EXPORTED_LOGGER)
    previous_level = app_logger.level
    app_logger.addHandler(handler)
    app_logger.setLevel(logging.INFO)
    try:
        yield exporter
    finally:
        app_logger.removeHandler(handler)
        app_logger.setLevel(previous_level)
        provider.shutdown()


def test_every_event_field_becomes_an_exported_attribute(
    exported_records: InMemoryLogRecordExporter,
) -> None:
    job = failed_job()

    log_attempt_event("attempt_finished", job)

    records = [getattr(item, "log_record", item) for item in exported_records.get_finished_logs()]
    (record,) = [r for r in records if (r.attributes or {}).get("event") == "attempt_finished"]
    expected = {"event": "attempt_finished", **attempt_dimensions(job)}
    assert {name: record.attributes[name] for name in expected} == expected
    assert str(record.body).startswith("attempt_finished task=")


def test_events_are_not_exported_without_the_setting_or_a_connection_string() -> None:
    assert not dimensions_exported({})
    assert not dimensions_exported({EXPORT_SETTING: "true"})
    assert not dimensions_exported({CONNECTION_SETTING: UNREACHABLE})
    assert not dimensions_exported({EXPORT_SETTING: "false", CONNECTION_SETTING: UNREACHABLE})


def run_like_the_worker(extra_env: dict[str, str]) -> dict[str, object]:
    """Run WORKER_SCRIPT in a fresh interpreter with PATH (and extra_env) as its only env."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra_env}
    if "PYTHONPATH" in os.environ:  # the same packages as this test process
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    completed = subprocess.run(
        [sys.executable, "-c", WORKER_SCRIPT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def test_without_telemetry_settings_the_app_runs_and_exports_nothing() -> None:
    outcome = run_like_the_worker({})

    assert outcome == {"handlers": [], "exported": False}


def test_with_the_workers_telemetry_configured_the_app_runs_and_exports_its_events() -> None:
    pytest.importorskip(DISTRO_MODULE, reason="azure-monitor-opentelemetry is not installed here")

    outcome = run_like_the_worker(
        {
            EXPORT_SETTING: "true",
            CONNECTION_SETTING: UNREACHABLE,
            "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
        }
    )

    assert outcome["exported"] is True
    assert "LoggingHandler" in outcome["handlers"]  # type: ignore[operator]
