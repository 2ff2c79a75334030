"""The product's own failures: each says what happened and what the user can do next."""

from __future__ import annotations

import json

import pytest

from provisioning.errors.product import (
    CLUSTER_DISAPPEARED,
    DELETE_ACTION_LABEL,
    DELETE_FAILED,
    PORTAL_ACTION_LABEL,
    PROVISIONING_FAILED,
    arm_unreachable_message,
    cancelled_error,
    cluster_changing_error,
    cluster_exists_error,
    cluster_not_ours_error,
    deadline_error,
    orchestration_lost_error,
    partial_cluster_actions,
    start_failure_error,
)
from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory

PORTAL = "https://portal.azure.com/#resource/x"
ALL_ERRORS = [
    PROVISIONING_FAILED,
    CLUSTER_DISAPPEARED,
    DELETE_FAILED,
    start_failure_error("the engine is busy"),
    deadline_error(30, PORTAL),
    cancelled_error(True, PORTAL),
    cluster_exists_error("aks1", "rg1"),
    orchestration_lost_error(),
    cluster_not_ours_error("aks1", "rg1"),
    cluster_changing_error("aks1", "rg1"),
]


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda error: error.code)
def test_every_product_error_survives_the_task_document_round_trip(
    error: ClassifiedError,
) -> None:
    assert ClassifiedError.from_dict(json.loads(json.dumps(error.to_dict()))) == error


def test_every_product_error_has_its_own_code() -> None:
    codes = [error.code for error in ALL_ERRORS]
    assert len(codes) == len(set(codes))


def test_a_cluster_ending_failed_is_unknown_and_may_be_retried() -> None:
    assert (PROVISIONING_FAILED.code, PROVISIONING_FAILED.category) == (
        "ProvisioningFailed",
        ErrorCategory.UNKNOWN,
    )
    assert PROVISIONING_FAILED.message == "The cluster ended in the Failed state."
    assert PROVISIONING_FAILED.retryable


def test_a_cluster_that_vanished_is_a_retryable_conflict() -> None:
    assert (CLUSTER_DISAPPEARED.category, CLUSTER_DISAPPEARED.retryable) == (
        ErrorCategory.CONFLICT,
        True,
    )
    assert "deleted outside this app" in CLUSTER_DISAPPEARED.message


def test_a_failed_delete_points_at_the_portal() -> None:
    assert DELETE_FAILED.code == "DeleteFailed"
    assert "check it in the portal" in DELETE_FAILED.message


def test_a_start_failure_is_transient_and_names_the_reason() -> None:
    error = start_failure_error("the engine is busy")
    assert (error.code, error.category, error.retryable) == (
        "OrchestrationNotStarted",
        ErrorCategory.TRANSIENT,
        True,
    )
    assert error.message == "The attempt could not be started: the engine is busy"


def test_a_deadline_without_a_portal_address_offers_no_link() -> None:
    assert deadline_error(30).actions == ()
    assert deadline_error(30, PORTAL).actions == (
        ErrorAction(kind="portal", label=PORTAL_ACTION_LABEL, url=PORTAL),
    )


def test_partial_cluster_actions_put_the_portal_before_the_delete() -> None:
    assert [a.kind for a in partial_cluster_actions(PORTAL)] == ["portal", "delete_cluster"]
    assert partial_cluster_actions(None) == (
        ErrorAction(kind="delete_cluster", label=DELETE_ACTION_LABEL, url=None),
    )


@pytest.mark.parametrize("code", ["Timeout", "NetworkError"])
def test_an_unreachable_arm_is_named_as_a_service(code: str) -> None:
    assert arm_unreachable_message(code).startswith("Azure Resource Manager did not answer")
