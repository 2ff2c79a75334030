"""fleet.actions: what each cluster offers now, from the rules that accept or refuse it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from provisioning.clusters.inventory import ClusterView, NodePoolView
from provisioning.fleet.actions import ACTION_KINDS, actions_for
from provisioning.operations.lifecycle import state_refusal
from provisioning.operations.registry import CLUSTER_OPERATIONS

RUNNING = ClusterView(
    id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/w",
    name="web-1",
    resource_group="rg",
    region="eastus",
    provisioning_state="Succeeded",
    power_state="Running",
    kubernetes_version="1.31.10",
    node_pools=(NodePoolView("system", "System", "Standard_D2s_v5", 1, "Succeeded", "Running"),),
    fqdn="web-1.hcp.eastus.azmk8s.io",
    etag="e",
)
STOPPED = replace(RUNNING, power_state="Stopped")
UPGRADING = replace(RUNNING, provisioning_state="Upgrading")
FAILED = replace(RUNNING, provisioning_state="Failed")
CANCELED = replace(RUNNING, provisioning_state="Canceled", fqdn=None)
UPGRADES = ["1.32.5", "1.32.6"]


def offered(view: ClusterView, upgrades: list[str] = UPGRADES, operation: Any = None) -> dict:
    return {a.kind: (a.enabled, a.reason) for a in actions_for(view, upgrades, operation)}


def test_actions_come_in_display_order_with_stop_or_start_whichever_applies() -> None:
    kinds = [a.kind for a in actions_for(RUNNING, UPGRADES, None)]
    assert kinds == ["connect", "stop", "scale", "upgrade", "node_pools", "guardrails", "delete"]
    kinds = [a.kind for a in actions_for(STOPPED, UPGRADES, None)]
    assert kinds[1] == "start"
    assert set(kinds) <= set(ACTION_KINDS)


def test_a_running_cluster_offers_everything() -> None:
    assert all(enabled and reason is None for enabled, reason in offered(RUNNING).values())


def test_a_stopped_cluster_can_be_started_or_deleted_but_not_scaled() -> None:
    actions = offered(STOPPED)
    assert actions["start"] == (True, None)
    assert actions["scale"] == (False, "A stopped cluster cannot be scaled")
    assert actions["upgrade"] == (False, "A stopped cluster cannot be upgraded")
    assert actions["connect"] == (False, "A stopped cluster cannot be connected to")
    assert actions["delete"] == (True, None)


def test_an_upgrading_cluster_offers_only_delete() -> None:
    enabled = [kind for kind, (on, _) in offered(UPGRADING).items() if on]
    assert "stop" not in enabled and "scale" not in enabled and "delete" in enabled
    assert offered(UPGRADING)["stop"][1] == "The cluster is Upgrading; wait until it settles"


@pytest.mark.parametrize(("view", "state"), [(FAILED, "failed"), (CANCELED, "canceled")])
def test_a_failed_or_canceled_cluster_offers_only_delete_and_connect_with_a_server(
    view: ClusterView, state: str
) -> None:
    actions = offered(view)
    enabled = {kind for kind, (on, _) in actions.items() if on}
    assert enabled == ({"delete", "connect"} if view.fqdn else {"delete"})
    assert actions["scale"] == (False, f"A {state} cluster can only be deleted")
    assert actions["guardrails"] == (False, f"A {state} cluster can only be deleted")


def test_another_operation_disables_every_operation_and_names_it() -> None:
    busy = {"task_id": "t", "type": "aks_scale", "status": "running", "step": "Scaling node pool"}
    actions = offered(RUNNING, operation=busy)
    for kind in ("stop", "scale", "upgrade", "node_pools", "delete"):
        assert actions[kind] == (False, "Another operation is running: Scaling")
    assert actions["connect"] == (True, None)


def test_no_newer_version_disables_upgrade_with_the_reason_the_endpoint_gives() -> None:
    assert offered(RUNNING, upgrades=[])["upgrade"] == (False, "No newer version is offered")


@pytest.mark.parametrize("view", [RUNNING, STOPPED, UPGRADING, FAILED, CANCELED])
@pytest.mark.parametrize("upgrades", [UPGRADES, []])
def test_an_enabled_action_is_exactly_one_the_state_rule_accepts(
    view: ClusterView, upgrades: list[str]
) -> None:
    actions = offered(view, upgrades)
    for spec in CLUSTER_OPERATIONS:
        if spec.action in actions:
            enabled, reason = actions[spec.action]
            assert enabled is (state_refusal(spec, view, upgrades) is None)
            assert reason == state_refusal(spec, view, upgrades)
