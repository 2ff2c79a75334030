"""operations.registry: each operation type declared once, its allowed states as a table."""

from __future__ import annotations

import pytest

from provisioning.operations.registry import (
    CLUSTER_OPERATIONS,
    DELETE,
    POOL_ADD,
    POOL_AUTOSCALE,
    POOL_DELETE,
    PROVISION,
    SCALE,
    SPECS,
    START,
    STOP,
    UPGRADE,
    OperationSpec,
    cluster_operation,
    refusal_for,
    spec_for,
)

# (operation, provisioningState, powerState, allowed?)
ALLOWED_STATE_TABLE = [
    (STOP, "Succeeded", "Running", True),
    (STOP, "Succeeded", "Stopped", False),
    (STOP, "Failed", "Running", False),
    (STOP, "Canceled", "Running", False),
    (STOP, "Updating", "Running", False),
    (START, "Succeeded", "Stopped", True),
    (START, "Succeeded", "Running", False),
    (START, "Failed", "Stopped", False),
    (SCALE, "Succeeded", "Running", True),
    (SCALE, "Succeeded", "Stopped", False),
    (SCALE, "Canceled", "Running", False),
    (UPGRADE, "Succeeded", "Running", True),
    (UPGRADE, "Failed", "Running", False),
    (DELETE, "Succeeded", "Running", True),
    (DELETE, "Failed", None, True),
    (DELETE, "Canceled", "Running", True),
    (DELETE, "Creating", "Running", True),
    (DELETE, "Deleting", "Running", False),
    (POOL_ADD, "Succeeded", "Running", True),
    (POOL_ADD, "Succeeded", "Stopped", False),
    (POOL_ADD, "Updating", "Running", False),
    (POOL_AUTOSCALE, "Succeeded", "Running", True),
    (POOL_AUTOSCALE, "Failed", "Running", False),
    (POOL_DELETE, "Succeeded", "Running", True),
    (POOL_DELETE, "Succeeded", "Stopped", False),
]


@pytest.mark.parametrize(("spec", "state", "power", "allowed"), ALLOWED_STATE_TABLE)
def test_allowed_states_decide_each_operation(
    spec: OperationSpec, state: str, power: str | None, allowed: bool
) -> None:
    assert (refusal_for(spec, state, power) is None) is allowed


@pytest.mark.parametrize(
    ("spec", "state", "power", "reason"),
    [
        (SCALE, "Succeeded", "Stopped", "A stopped cluster cannot be scaled"),
        (STOP, "Failed", "Running", "A failed cluster can only be deleted"),
        (UPGRADE, "Canceled", "Running", "A canceled cluster can only be deleted"),
        (START, "Updating", "Stopped", "The cluster is Updating; wait until it settles"),
        (DELETE, "Deleting", None, "The cluster is being deleted"),
    ],
)
def test_a_refusal_says_why_in_a_sentence(
    spec: OperationSpec, state: str, power: str | None, reason: str
) -> None:
    assert refusal_for(spec, state, power) == reason


def test_a_failed_or_canceled_cluster_allows_only_delete() -> None:
    for state in ("Failed", "Canceled"):
        allowed = [s for s in CLUSTER_OPERATIONS if refusal_for(s, state, "Running") is None]
        assert allowed == [DELETE]


def test_every_type_is_found_by_its_stored_name_and_every_route_by_its_action() -> None:
    for spec in SPECS:
        assert spec_for(str(spec.task_type)) is spec
    for spec in CLUSTER_OPERATIONS:
        assert cluster_operation(str(spec.route)) is spec
        assert spec.route == (spec.path or spec.action)


def test_the_pool_operations_share_the_node_pools_action_on_their_own_routes() -> None:
    assert [(s.action, s.route, s.name) for s in (POOL_ADD, POOL_AUTOSCALE, POOL_DELETE)] == [
        ("node_pools", "pools", "pool_add"),
        ("node_pools", "pools/{pool}/autoscale", "pool_autoscale"),
        ("node_pools", "pools/{pool}/delete", "pool_delete"),
    ]
    assert [s.targets_pool for s in (POOL_ADD, POOL_AUTOSCALE, POOL_DELETE)] == [
        False,
        True,
        True,
    ]
    names = [spec.name for spec in CLUSTER_OPERATIONS]
    assert len(names) == len(set(names))


def test_only_a_started_delete_cannot_be_cancelled() -> None:
    assert [spec for spec in SPECS if not spec.cancellable] == [DELETE, POOL_DELETE]


def test_the_create_is_not_a_cluster_operation_and_refuses_as_one() -> None:
    assert PROVISION not in CLUSTER_OPERATIONS
    assert refusal_for(PROVISION, "Succeeded", "Running") is not None


def test_a_body_field_not_in_the_spec_is_rejected_by_name() -> None:
    assert STOP.body_fields == ()
    assert SCALE.body_fields == ("node_pool", "node_count")


def test_every_change_type_has_exactly_one_arm_call() -> None:
    from provisioning.operations.change_work import SUBMITS
    from provisioning.operations.registry import Orchestration

    changes = {spec.task_type for spec in SPECS if spec.orchestration is Orchestration.CHANGE}
    assert set(SUBMITS) == changes
