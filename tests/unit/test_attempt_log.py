"""Attempt and preflight events: the same fields in the message JSON and as log attributes."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.access.identity import hashed_owner
from provisioning.jobs.events import (
    ERROR_MESSAGE_CHARS,
    attempt_dimensions,
    log_attempt_event,
    log_preflight_checked,
    preflight_dimensions,
)
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ClassifiedError,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)
from provisioning.preflight.checks import CheckResult, CheckStatus
from provisioning.telemetry import EVENTS, log_event

NOW = datetime(2025, 3, 14, 12, 30, tzinfo=UTC)
OWNER = "owner-secret-id"
REQUEST = ProvisionRequest(
    subscription_id="sub-1",
    resource_group="rg-one",
    cluster_name="demo",
    region="eastus",
    node_vm_size="Standard_D2s_v3",
    node_count=2,
    kubernetes_version="1.30.3",
)
CHECKS = (
    CheckResult("region", CheckStatus.PASS, "eastus offers AKS"),
    CheckResult("vm_size", CheckStatus.FAIL, "not offered"),
    CheckResult("quota", CheckStatus.WARN, "close to the limit"),
)
# What the shared KQL function takes from the end of a message (infra/app/queries/app_events.kql).
MESSAGE_JSON = re.compile(r"(\{.*\})\s*$")


def failed_job(message: str = "Quota exceeded for Standard_D2s_v3.") -> JobState:
    """A provision attempt that failed on quota 42.5 s after it was accepted."""
    job = JobState.new(OWNER, new_task_id(NOW, "b" * 32), REQUEST, now=NOW, total_steps=4)
    error = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, message, retryable=False)
    return replace(
        job, status=TaskStatus.FAILED, error=error, updated_at=NOW + timedelta(seconds=42.5)
    )


def only_record(caplog: pytest.LogCaptureFixture, event: str) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if getattr(r, "event", None) == event]
    return record


def test_finished_event_message_ends_with_the_fields_the_record_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = failed_job()
    with caplog.at_level(logging.INFO, logger="provisioning.operations.attempts"):
        log_attempt_event("attempt_finished", job)

    record = only_record(caplog, "attempt_finished")
    message = record.getMessage()
    parsed = json.loads(MESSAGE_JSON.search(message)[1])  # type: ignore[index]
    assert message.startswith(f"attempt_finished task={job.task_id} outcome=failed category=quota ")
    assert parsed == {"event": "attempt_finished", **attempt_dimensions(job)}
    assert {name: getattr(record, name) for name in parsed} == parsed
    assert (parsed["task_type"], parsed["error_code"], parsed["duration_seconds"]) == (
        "aks_provision",
        "QuotaExceeded",
        42.5,
    )
    assert parsed["owner_hash"] == hashed_owner(OWNER) and OWNER not in message


def test_lifecycle_operations_log_their_own_task_type(caplog: pytest.LogCaptureFixture) -> None:
    job = replace(failed_job(), type=TaskType.AKS_SCALE)
    with caplog.at_level(logging.INFO, logger="provisioning.operations.attempts"):
        log_attempt_event("attempt_accepted", job)

    assert only_record(caplog, "attempt_accepted").task_type == "aks_scale"  # type: ignore[attr-defined]


def test_long_error_messages_are_cut_but_a_brace_in_them_keeps_the_json_parseable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = failed_job("Bad {template} " + "x" * 1000 + "\n}")
    with caplog.at_level(logging.INFO, logger="provisioning.operations.attempts"):
        log_attempt_event("attempt_finished", job)

    message = only_record(caplog, "attempt_finished").getMessage()
    parsed = json.loads(MESSAGE_JSON.search(message)[1])  # type: ignore[index]
    assert len(parsed["error_message"]) == ERROR_MESSAGE_CHARS
    assert parsed["error_message"].startswith("Bad {template} x")


def test_an_attempt_without_error_logs_empty_error_fields() -> None:
    job = JobState.new(OWNER, new_task_id(NOW, "c" * 32), REQUEST, now=NOW, total_steps=4)

    dimensions = attempt_dimensions(job)

    assert (dimensions["category"], dimensions["error_code"], dimensions["error_message"]) == (
        "",
        "",
        "",
    )
    assert dimensions["outcome"] == "queued" and dimensions["duration_seconds"] == 0.0


def test_preflight_event_lists_every_check_with_its_status_and_the_failed_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="provisioning.preflight_events"):
        log_preflight_checked(REQUEST, OWNER, CHECKS)

    record = only_record(caplog, "preflight_checked")
    assert record.checks == "region=pass,vm_size=fail,quota=warn"  # type: ignore[attr-defined]
    assert record.failed_checks == "vm_size"  # type: ignore[attr-defined]
    assert record.region == "eastus"  # type: ignore[attr-defined]
    assert record.getMessage().startswith("preflight_checked failed=vm_size {")
    assert OWNER not in record.getMessage()


def test_preflight_without_failures_says_so_in_the_summary(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passing = (CheckResult("region", CheckStatus.PASS, "ok"),)
    with caplog.at_level(logging.INFO, logger="provisioning.preflight_events"):
        log_preflight_checked(REQUEST, OWNER, passing)

    assert (
        only_record(caplog, "preflight_checked")
        .getMessage()
        .startswith("preflight_checked failed=- {")
    )
    assert preflight_dimensions(REQUEST, OWNER, passing)["failed_checks"] == ""


def test_an_event_missing_from_the_events_table_is_refused() -> None:
    with pytest.raises(ValueError, match="attempt_progress"):
        log_event(logging.getLogger("provisioning.operations.attempts"), "attempt_progress", {}, "")
    assert {"attempt_accepted", "attempt_finished", "preflight_checked"} == EVENTS.keys()
