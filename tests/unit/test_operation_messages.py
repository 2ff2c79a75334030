"""provisioning.operations.messages: every message survives the JSON the Durable boundary needs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from provisioning.clusters.arm_calls import AbortAnswer
from provisioning.models import ClassifiedError, ErrorCategory, TaskStatus, TaskType
from provisioning.operations.messages import (
    START_BY_KEY,
    AbortResult,
    BeginResult,
    CreateSubmitted,
    DeleteSubmitted,
    FinishInput,
    FinishResult,
    OperationInput,
    OperationOutcome,
    PollResult,
)
from tests.orchestration_fakes import OPERATION_URL, START, delete_input, operation_input

QUOTA = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "Not enough cores.", False)
THROTTLED = ClassifiedError("TooManyRequests", ErrorCategory.TRANSIENT, "Slow down.", True)
FAILED = OperationOutcome(TaskStatus.FAILED, QUOTA, "Failed", True, "Failed")

MESSAGES: list[Any] = [
    operation_input(),
    operation_input().with_start_by(START).with_operation_url(OPERATION_URL),
    OperationInput.from_dict(delete_input()),
    BeginResult(True, TaskStatus.RUNNING),
    BeginResult(False, TaskStatus.CANCELLED),
    CreateSubmitted("Creating", OPERATION_URL),
    CreateSubmitted.rejected(QUOTA),
    DeleteSubmitted(),
    DeleteSubmitted(error=QUOTA),
    PollResult("Creating"),
    PollResult(None, gone=True),
    PollResult("Failed", error=QUOTA),
    PollResult(None, unreachable=THROTTLED),
    AbortResult(AbortAnswer.ACCEPTED, "Canceling"),
    AbortResult(AbortAnswer.REFUSED),
    AbortResult.unanswered(),
    FAILED,
    OperationOutcome(TaskStatus.SUCCEEDED, None, "Succeeded", True, "Succeeded"),
    FinishInput(operation_input(), FAILED),
    FinishResult(TaskStatus.CANCELLED),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_is_rebuilt_equal_from_its_json(message: Any) -> None:
    wire = json.loads(json.dumps(message.to_dict()))

    assert type(message).from_dict(wire) == message


def test_start_by_and_operation_url_are_fields_of_the_input() -> None:
    start_by = START + timedelta(seconds=30)

    wire = operation_input().with_start_by(start_by).with_operation_url(OPERATION_URL).to_dict()

    assert wire[START_BY_KEY] == start_by.isoformat()
    assert wire["operation_url"] == OPERATION_URL
    assert OperationInput.from_dict(wire).start_by == start_by


def test_a_fresh_input_has_no_start_bound_and_no_operation_yet() -> None:
    attempt = operation_input()

    assert (attempt.start_by, attempt.operation_url) == (None, None)
    assert attempt.type is TaskType.AKS_PROVISION


def test_a_poll_says_unreachable_only_when_azure_did_not_answer() -> None:
    assert "unreachable" not in PollResult("Creating").to_dict()
    assert PollResult(None, unreachable=THROTTLED).to_dict()["unreachable"]["code"] == (
        "TooManyRequests"
    )


def test_the_stored_status_replaces_the_outcome_status_only() -> None:
    stored = FAILED.with_status(TaskStatus.CANCELLED)

    assert stored.status == TaskStatus.CANCELLED
    assert (stored.error, stored.step) == (FAILED.error, FAILED.step)


def test_an_abort_result_from_a_history_before_answers_reads_as_accepted_or_refused() -> None:
    assert AbortResult.from_dict({"aborted": True, "cluster_state": "Canceling"}) == AbortResult(
        AbortAnswer.ACCEPTED, "Canceling"
    )
    assert AbortResult.from_dict({"aborted": False, "cluster_state": None}).answer is (
        AbortAnswer.REFUSED
    )
