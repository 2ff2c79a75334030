"""orchestrators.outcomes: custom status shape and the terminal outcome each poll implies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrators.outcomes import (
    cancelled_outcome,
    cluster_outcome,
    deadline_outcome,
    failed_outcome,
    progress_status,
    with_partial_cluster_actions,
)
from provisioning.arm_errors import partial_cluster_actions
from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory
from tests.unit.test_provision_cluster_orchestrator import attempt_input

CUSTOM_STATUS_LIMIT_BYTES = 16 * 1024
QUOTA = ClassifiedError(
    "QuotaExceeded", ErrorCategory.QUOTA, "Not enough cores.", False,
    (ErrorAction("link", "Request quota increase", "https://portal.example/quota"),),
)


def kinds(outcome: dict[str, Any]) -> list[str]:
    return [action["kind"] for action in outcome["error"]["actions"]]


def test_progress_status_has_the_documented_fields_and_stays_small() -> None:
    attempt = {**attempt_input(), "portal_url": "https://portal.azure.com/" + "x" * 2000}

    status = progress_status(attempt, "Creating cluster", 3, "Creating", cluster_seen=True)

    assert set(status) == {
        "task_id", "status", "step", "step_index", "total_steps", "cluster_state",
        "cluster_seen", "portal_url",
    }
    assert status["task_id"] == attempt["task_id"]
    assert (status["step_index"], status["total_steps"]) == (3, 4)
    assert status["status"] == "running"
    assert status["portal_url"] == attempt["portal_url"]
    assert len(json.dumps(status).encode("utf-8")) < CUSTOM_STATUS_LIMIT_BYTES


def test_progress_status_hides_the_portal_link_until_the_cluster_exists() -> None:
    status = progress_status(attempt_input(), "Starting", 1)

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

    unseen = failed_outcome(QUOTA.to_dict(), None, cluster_seen=False, portal_url=portal)
    seen = failed_outcome(QUOTA, "Failed", cluster_seen=True, portal_url=portal)

    assert kinds(unseen) == ["link"]
    assert kinds(seen) == ["link", "portal", "delete_cluster"]
    assert (seen["status"], seen["step"], seen["cluster_seen"]) == ("failed", "Failed", True)


def test_cancelled_outcome_after_the_put_links_the_cluster() -> None:
    attempt = attempt_input()

    before = cancelled_outcome(attempt, cluster_seen=False, cluster_state=None)
    after = cancelled_outcome(attempt, cluster_seen=True, cluster_state="Creating")

    assert before["status"] == after["status"] == "cancelled"
    assert before["error"]["category"] == "cancelled"
    assert kinds(before) == []
    assert kinds(after) == ["portal", "delete_cluster"]
    assert after["error"]["actions"][0]["url"] == attempt["portal_url"]


def test_deadline_outcome_is_a_failure_with_the_cluster_seen() -> None:
    outcome = deadline_outcome(attempt_input(deadline_minutes=45), "Creating")

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert "45 minutes" in outcome["error"]["message"]
    assert outcome["cluster_seen"] is True
    assert kinds(outcome) == ["portal", "delete_cluster"]


@pytest.mark.parametrize(
    ("polled", "status", "code"),
    [
        ({"cluster_state": "Succeeded", "gone": False, "error": None}, "succeeded", None),
        ({"cluster_state": "Failed", "gone": False, "error": None}, "failed", "ProvisioningFailed"),
        ({"cluster_state": "Canceled", "gone": False, "error": None}, "cancelled", "Cancelled"),
        ({"cluster_state": None, "gone": True, "error": None}, "failed", "ClusterDisappeared"),
        (
            {"cluster_state": "Failed", "gone": False, "error": QUOTA.to_dict()},
            "failed",
            "QuotaExceeded",
        ),
    ],
)
def test_terminal_cluster_states_end_the_attempt(
    polled: dict[str, Any], status: str, code: str | None
) -> None:
    outcome = cluster_outcome(attempt_input(), polled)

    assert outcome is not None
    assert outcome["status"] == status
    assert outcome["cluster_seen"] is True
    assert (outcome["error"] or {}).get("code") == code
    if status != "succeeded":
        assert "delete_cluster" in kinds(outcome)


@pytest.mark.parametrize("state", ["Creating", "Updating", "Canceling"])
def test_changing_cluster_states_keep_polling(state: str) -> None:
    assert cluster_outcome(attempt_input(), {"cluster_state": state, "gone": False,
                                             "error": None}) is None


def test_outcomes_are_json_round_trippable() -> None:
    outcome = cluster_outcome(attempt_input(), {"cluster_state": "Failed", "gone": False,
                                                "error": QUOTA.to_dict()})

    assert json.loads(json.dumps(outcome)) == outcome
    assert ClassifiedError.from_dict(outcome["error"]).code == "QuotaExceeded"
