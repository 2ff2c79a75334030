"""Node-pool requests: each body's rules (400 naming the field) and the pool in the route."""

from __future__ import annotations

import pytest

from provisioning.models import PoolAutoscale
from provisioning.operations.change_rules import PoolNotFound
from provisioning.operations.lifecycle import validate_cluster_operation
from provisioning.operations.registry import POOL_ADD, POOL_AUTOSCALE, POOL_DELETE, OperationSpec
from provisioning.requests.validation import RequestValidationError


def test_a_pool_add_with_a_count_carries_name_size_and_count() -> None:
    wanted = validate_cluster_operation(
        POOL_ADD, "rg", "c1", {"name": "work", "vm_size": "Standard_D4s_v5", "node_count": 0}
    )
    change = wanted.change
    assert change is not None
    assert (change.node_pool, change.vm_size, change.node_count, change.autoscale) == (
        "work",
        "Standard_D4s_v5",
        0,
        None,
    )


def test_a_pool_add_with_autoscale_carries_its_bounds() -> None:
    body = {"name": "w2", "vm_size": "Standard_D4s_v5", "autoscale": {"min": 0, "max": 5}}
    change = validate_cluster_operation(POOL_ADD, "rg", "c1", body).change
    assert change is not None
    assert (change.autoscale, change.node_count) == (PoolAutoscale(0, 5), None)


SIZE = "Standard_D4s_v5"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vm_size": SIZE, "node_count": 1}, "name"),
        ({"name": "Work", "vm_size": SIZE, "node_count": 1}, "name"),
        ({"name": "1work", "vm_size": SIZE, "node_count": 1}, "name"),
        ({"name": "abcdefghijklm", "vm_size": SIZE, "node_count": 1}, "name"),
        ({"name": "work-1", "vm_size": SIZE, "node_count": 1}, "name"),
        ({"name": "work", "node_count": 1}, "vm_size"),
        ({"name": "work", "vm_size": "d4s", "node_count": 1}, "vm_size"),
        ({"name": "work", "vm_size": SIZE}, "node_count"),
        (
            {"name": "work", "vm_size": SIZE, "node_count": 1, "autoscale": {"min": 1, "max": 2}},
            "node_count",
        ),
        ({"name": "work", "vm_size": SIZE, "node_count": 101}, "node_count"),
        ({"name": "work", "vm_size": SIZE, "node_count": -1}, "node_count"),
        ({"name": "work", "vm_size": SIZE, "node_count": 1.5}, "node_count"),
        ({"name": "work", "vm_size": SIZE, "autoscale": {"min": 3, "max": 2}}, "autoscale.min"),
        ({"name": "work", "vm_size": SIZE, "autoscale": {"min": 0, "max": 0}}, "autoscale.max"),
        ({"name": "work", "vm_size": SIZE, "autoscale": {"min": 1}}, "autoscale.max"),
        ({"name": "work", "vm_size": SIZE, "autoscale": {"min": 1, "max": 101}}, "autoscale.max"),
        (
            {"name": "work", "vm_size": SIZE, "autoscale": {"min": 1, "max": 2, "x": 1}},
            "autoscale.x",
        ),
        ({"name": "work", "vm_size": SIZE, "autoscale": [1, 2]}, "autoscale"),
        ({"name": "work", "vm_size": SIZE, "node_count": 1, "mode": "System"}, "mode"),
    ],
)
def test_a_bad_pool_add_is_400_naming_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(RequestValidationError) as refused:
        validate_cluster_operation(POOL_ADD, "rg", "c1", body)
    assert refused.value.field == field


def test_autoscale_on_and_off_bodies() -> None:
    on = validate_cluster_operation(POOL_AUTOSCALE, "rg", "c1", {"min": 1, "max": 4}, pool="work")
    off = validate_cluster_operation(
        POOL_AUTOSCALE, "rg", "c1", {"enabled": False, "node_count": 2}, pool="work"
    )
    assert on.change is not None and off.change is not None
    assert (on.change.node_pool, on.change.autoscale, on.change.node_count) == (
        "work",
        PoolAutoscale(1, 4),
        None,
    )
    assert (off.change.node_pool, off.change.autoscale, off.change.node_count) == ("work", None, 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "min"),
        ({"min": 1}, "max"),
        ({"min": 4, "max": 1}, "min"),
        ({"enabled": True, "min": 1, "max": 2, "node_count": 3}, "node_count"),
        ({"enabled": False}, "node_count"),
        ({"enabled": False, "node_count": 2, "min": 1}, "min"),
        ({"enabled": "no", "node_count": 2}, "enabled"),
        ({"min": 1, "max": 2, "name": "x"}, "name"),
    ],
)
def test_a_bad_autoscale_body_is_400_naming_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(RequestValidationError) as refused:
        validate_cluster_operation(POOL_AUTOSCALE, "rg", "c1", body, pool="work")
    assert refused.value.field == field


def test_a_pool_delete_needs_the_pool_name_typed_exactly() -> None:
    wanted = validate_cluster_operation(POOL_DELETE, "rg", "c1", {"confirm": "work"}, pool="work")
    assert wanted.change is not None and wanted.change.node_pool == "work"
    for typed in ({"confirm": "Work"}, {"confirm": "c1"}, {}):
        with pytest.raises(RequestValidationError) as refused:
            validate_cluster_operation(POOL_DELETE, "rg", "c1", typed, pool="work")
        assert refused.value.field == "confirm"


@pytest.mark.parametrize("spec", [POOL_AUTOSCALE, POOL_DELETE])
@pytest.mark.parametrize("pool", ["", "Work", "a" * 13, "x/y", None])
def test_a_malformed_pool_in_the_route_cannot_exist_so_it_is_not_found(
    spec: OperationSpec, pool: str | None
) -> None:
    with pytest.raises(PoolNotFound):
        validate_cluster_operation(spec, "rg", "c1", {"confirm": pool}, pool=pool)
