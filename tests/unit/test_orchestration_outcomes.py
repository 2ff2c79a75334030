"""orchestrators.outcomes: custom status shape and the terminal outcome each poll implies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrators.outcomes import (
    CREATE_ENDINGS,
    cancelled_outcome,
    cluster_outcome,
    deadline_outcome,
    failed_outcome,
    progress_status,
    succeeded_outcome,
    with_partial_cluster_actions,
)
from provisioning.errors.product import partial_cluster_actions
from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory
from provisioning.operations.messages import OperationInput, OperationOutcome, PollResult
from provisioning.operations.step_tables import TERMINAL_CLUSTER_STATES, Phase
from tests.orchestration_fakes import attempt_input, delete_input, operation_input

CUSTOM_STATUS_LIMIT_BYTES = 16 * 1024
QUOTA = ClassifiedError(
    "QuotaExceeded",
    ErrorCategory.QUOTA,
    "Not enough cores.",
    False,
    (ErrorAction("link", "Request quota increase", "https://portal.example/quota"),),
)


def kinds(outcome: dict[str, Any]) -> list[str]:
    return [action["kind"] for action in outcome["error"]["actions"]]


def as_json(outcome: OperationOutcome | None) -> dict[str, Any]:
    """The outcome as the finish step receives it."""
    assert outcome is not None
    return outcome.to_dict()


def test_progress_status_has_the_documented_fields_and_stays_small() -> None:
    attempt = {**attempt_input(), "portal_url": "https://portal.azure.com/" + "x" * 2000}

    status = progress_status(
        OperationInput.from_dict(attempt), Phase.WAITING, "Creating", cluster_seen=True
    )

    assert set(status) == {
        "task_id",
        "status",
        "step",
        "step_index",
        "total_steps",
        "cluster_state",
        "cluster_seen",
        "portal_url",
    }
    assert status["task_id"] == attempt["task_id"]
    assert (status["step_index"], status["total_steps"]) == (3, 5)
    assert status["status"] == "running"
    assert status["portal_url"] == attempt["portal_url"]
    assert len(json.dumps(status).encode("utf-8")) < CUSTOM_STATUS_LIMIT_BYTES


def test_progress_status_hides_the_portal_link_until_the_cluster_exists() -> None:
    status = progress_status(operation_input(), Phase.STARTING)

    assert status["cluster_seen"] is False
    assert status["portal_url"] is None


def test_partial_cluster_actions_are_added_once() -> None:
    portal = "https://portal.example/cluster"
    once = with_partial_cluster_actions(QUOTA, portal)
    twice = with_partial_cluster_actions(once, portal)

    assert [a.kind for a in once.actions] == ["link", "portal", "delete_cluster"]
    assert twice == once


def test_partial_cluster_actions_keep_an_existing_portal_action() -> None:
    portal = "https://portal.example/cluster"
    error = ClassifiedError(
        "DeadlineExceeded", ErrorCategory.UNKNOWN, "slow", True, partial_cluster_actions(portal)[:1]
    )

    actions = with_partial_cluster_actions(error, portal).actions

    assert [a.kind for a in actions] == ["portal", "delete_cluster"]


def test_failed_outcome_offers_cleanup_only_when_the_cluster_was_seen() -> None:
    portal = attempt_input()["portal_url"]

    unseen = as_json(failed_outcome(QUOTA, None, cluster_seen=False, portal_url=portal))
    seen = as_json(failed_outcome(QUOTA, "Failed", cluster_seen=True, portal_url=portal))

    assert kinds(unseen) == ["link"]
    assert kinds(seen) == ["link", "portal", "delete_cluster"]
    assert (seen["status"], seen["step"], seen["cluster_seen"]) == ("failed", "Failed", True)


def test_cancelled_outcome_after_the_put_links_the_cluster() -> None:
    attempt = attempt_input()
    operation = OperationInput.from_dict(attempt)

    before = as_json(cancelled_outcome(operation, cluster_seen=False, cluster_state=None))
    after = as_json(cancelled_outcome(operation, cluster_seen=True, cluster_state="Creating"))

    assert before["status"] == after["status"] == "cancelled"
    assert before["error"]["category"] == "cancelled"
    assert kinds(before) == []
    assert kinds(after) == ["portal", "delete_cluster"]
    assert after["error"]["actions"][0]["url"] == attempt["portal_url"]


def test_deadline_outcome_is_a_failure_with_the_cluster_seen() -> None:
    outcome = as_json(deadline_outcome(operation_input(deadline_minutes=45), "Creating"))

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert "45 minutes" in outcome["error"]["message"]
    assert outcome["cluster_seen"] is True
    assert kinds(outcome) == ["portal", "delete_cluster"]


@pytest.mark.parametrize(
    ("polled", "status", "code"),
    [
        (PollResult("Succeeded"), "succeeded", None),
        (PollResult("Failed"), "failed", "ProvisioningFailed"),
        (PollResult("Canceled"), "cancelled", "Cancelled"),
        (PollResult(None, gone=True), "failed", "ClusterDisappeared"),
        (PollResult("Failed", error=QUOTA), "failed", "QuotaExceeded"),
    ],
)
def test_terminal_cluster_states_end_the_attempt(
    polled: PollResult, status: str, code: str | None
) -> None:
    settled = cluster_outcome(operation_input(), polled)
    outcome = as_json(settled)

    assert outcome is not None
    assert outcome["status"] == status
    assert outcome["cluster_seen"] is True
    assert (outcome["error"] or {}).get("code") == code
    if status != "succeeded":
        assert "delete_cluster" in kinds(outcome)


@pytest.mark.parametrize("state", ["Creating", "Updating", "Canceling"])
def test_changing_cluster_states_keep_polling(state: str) -> None:
    assert cluster_outcome(operation_input(), PollResult(state)) is None


def test_outcomes_are_json_round_trippable() -> None:
    outcome = as_json(cluster_outcome(operation_input(), PollResult("Failed", error=QUOTA)))

    assert json.loads(json.dumps(outcome)) == outcome
    assert ClassifiedError.from_dict(outcome["error"]).code == "QuotaExceeded"


def test_every_terminal_cluster_state_ends_a_create() -> None:
    assert set(CREATE_ENDINGS) == TERMINAL_CLUSTER_STATES


def test_success_is_named_by_the_operation_step_table() -> None:
    created = succeeded_outcome(operation_input(), "Succeeded", cluster_seen=True)
    deleted = succeeded_outcome(
        OperationInput.from_dict(delete_input()), "Deleted", cluster_seen=False
    )

    assert (created.step, deleted.step) == ("Succeeded", "Deleted")


def test_progress_status_counts_the_steps_of_the_operation_type() -> None:
    deleting = OperationInput.from_dict(delete_input())

    status = progress_status(deleting, Phase.WAITING, "Deleting")

    assert (status["step"], status["step_index"], status["total_steps"]) == (
        "Waiting for deletion",
        3,
        4,
    )
