"""The cluster document's node pools (autoscale, max_surge) and its `node_pools` action."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from provisioning.clusters.inventory import ClusterView, NodePoolView, cluster_view
from provisioning.fleet.actions import actions_for
from provisioning.models import PoolAutoscale
from provisioning.operations.lifecycle import state_refusal
from provisioning.operations.registry import POOL_ADD, POOL_AUTOSCALE, POOL_DELETE


def profile(**fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "name": "work",
        "mode": "User",
        "vm_size": "Standard_D4s_v5",
        "count": 2,
        "provisioning_state": "Succeeded",
        "power_state": SimpleNamespace(code="Running"),
        "enable_auto_scaling": None,
        "min_count": None,
        "max_count": None,
        "upgrade_settings": None,
    }
    return SimpleNamespace(**{**base, **fields})


def sdk_cluster(*profiles: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(
        id="/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
        name="c1",
        location="eastus",
        provisioning_state="Succeeded",
        power_state=SimpleNamespace(code="Running"),
        current_kubernetes_version="1.32.6",
        kubernetes_version="1.32.6",
        agent_pool_profiles=list(profiles),
        fqdn="c1.example",
        e_tag="e1",
        tags={},
        aad_profile=None,
        disable_local_accounts=None,
    )


def test_a_pool_document_says_its_autoscaler_bounds_and_max_surge() -> None:
    view = cluster_view(
        sdk_cluster(
            profile(
                enable_auto_scaling=True,
                min_count=1,
                max_count=5,
                upgrade_settings=SimpleNamespace(max_surge="10%"),
            ),
            profile(name="fixed", upgrade_settings=SimpleNamespace(max_surge=None)),
        )
    )
    auto, fixed = (pool.to_dict() for pool in view.node_pools)
    assert (auto["autoscale"], auto["max_surge"]) == ({"min": 1, "max": 5}, "10%")
    assert (fixed["autoscale"], fixed["max_surge"]) == (None, None)


def test_a_pool_whose_autoscaler_is_off_has_no_bounds_even_if_arm_kept_them() -> None:
    view = cluster_view(sdk_cluster(profile(enable_auto_scaling=False, min_count=1, max_count=3)))
    assert view.node_pools[0].autoscale is None


def view_in(state: str, power: str | None) -> ClusterView:
    system = NodePoolView("system", "System", "Standard_D2s_v3", 1, state, power)
    return ClusterView("id", "c1", "rg", "eastus", state, power, "1.32.6", (system,), "f", "e")


def node_pools_action(view: ClusterView, operation: dict[str, Any] | None = None) -> Any:
    return next(a for a in actions_for(view, [], operation) if a.kind == "node_pools")


@pytest.mark.parametrize(
    ("state", "power", "enabled", "reason"),
    [
        ("Succeeded", "Running", True, None),
        ("Succeeded", "Stopped", False, "A stopped cluster cannot be changed in its node pools"),
        ("Updating", "Running", False, "The cluster is Updating; wait until it settles"),
        ("Failed", "Running", False, "A failed cluster can only be deleted"),
        ("Deleting", "Running", False, "The cluster is being deleted"),
    ],
)
def test_node_pools_are_offered_when_the_cluster_runs_and_is_idle(
    state: str, power: str, enabled: bool, reason: str | None
) -> None:
    action = node_pools_action(view_in(state, power))
    assert (action.enabled, action.reason) == (enabled, reason)


def test_node_pools_wait_for_another_operation() -> None:
    busy = {"task_id": "t", "type": "aks_scale", "status": "running", "step": "Scaling"}
    action = node_pools_action(view_in("Succeeded", "Running"), busy)
    assert (action.enabled, action.reason) == (False, "Another operation is running: Scaling")


@pytest.mark.parametrize(("state", "power"), [("Succeeded", "Running"), ("Succeeded", "Stopped")])
def test_the_action_agrees_with_every_pool_operation_it_stands_for(state: str, power: str) -> None:
    view = view_in(state, power)
    enabled = node_pools_action(view).enabled
    for spec in (POOL_ADD, POOL_AUTOSCALE, POOL_DELETE):
        assert (state_refusal(spec, view, []) is None) is enabled


def test_pool_autoscale_round_trips() -> None:
    assert PoolAutoscale.from_dict(PoolAutoscale(0, 3).to_dict()) == PoolAutoscale(0, 3)
    assert PoolAutoscale.from_dict(None) is None
