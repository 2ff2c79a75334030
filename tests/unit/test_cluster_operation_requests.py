"""Cluster operation requests: route names, each spec's body rules, type-to-confirm."""

from __future__ import annotations

import pytest

from provisioning.operations.lifecycle import ClusterNotFound, validate_cluster_operation
from provisioning.operations.registry import DELETE, SCALE, STOP, UPGRADE, OperationSpec
from provisioning.requests.validation import RequestValidationError


def test_a_valid_scale_carries_its_pool_and_count() -> None:
    wanted = validate_cluster_operation(
        SCALE, "rg-a", "c1", {"node_pool": "system", "node_count": 5}
    )
    assert wanted.change is not None
    assert (wanted.change.node_pool, wanted.change.node_count) == ("system", 5)


@pytest.mark.parametrize(
    ("operation", "body", "field"),
    [
        (SCALE, {"node_pool": "system", "node_count": 101}, "node_count"),
        (SCALE, {"node_pool": "system", "node_count": True}, "node_count"),
        (SCALE, {"node_pool": "Sys/../x", "node_count": 2}, "node_pool"),
        (SCALE, {"node_count": 2}, "node_pool"),
        (UPGRADE, {}, "kubernetes_version"),
        (DELETE, {"confirm": "C1"}, "confirm"),
        (DELETE, None, "confirm"),
        (STOP, {"force": True}, "force"),
        (STOP, ["x"], "body"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(
    operation: OperationSpec, body: object, field: str
) -> None:
    with pytest.raises(RequestValidationError) as refused:
        validate_cluster_operation(operation, "rg-a", "c1", body)
    assert refused.value.field == field


@pytest.mark.parametrize(("group", "name"), [("rg a", "c1"), ("rg", "-c1"), ("rg", "")])
def test_a_malformed_cluster_path_cannot_exist_so_it_is_not_found(group: str, name: str) -> None:
    with pytest.raises(ClusterNotFound):
        validate_cluster_operation(STOP, group, name, None)


def test_delete_needs_the_exact_name() -> None:
    assert validate_cluster_operation(DELETE, "rg", "c1", {"confirm": "c1"}).change is None
