"""GET /api/aks/clusters over HTTP: only your clusters, live state, and stale failures resolved."""

from __future__ import annotations

import uuid

from azure.mgmt.containerservice import ContainerServiceClient

from tests.stack_fixtures import LocalStack


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_the_list_holds_only_the_callers_clusters_with_the_contract_fields(
    local_stack: LocalStack,
) -> None:
    alice, bob = local_stack.user("list-alice"), local_stack.user("list-bob")
    mine = alice.wait(
        alice.provision(
            _name("own-"),
            resource_group="rg-list",
            user_pool={"node_vm_size": "Standard_D2s_v5", "node_count": 1},
        )
    )
    theirs = bob.wait(bob.provision(_name("their-"), resource_group="rg-list"))
    assert mine["status"] == theirs["status"] == "succeeded"

    answer = alice.get("/api/aks/clusters")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["degraded"] is False
    names = {cluster["name"] for cluster in body["clusters"]}
    assert mine["request"]["cluster_name"] in names
    assert theirs["request"]["cluster_name"] not in names
    cluster = next(c for c in body["clusters"] if c["name"] == mine["request"]["cluster_name"])
    assert set(cluster) == {
        "id",
        "name",
        "resource_group",
        "region",
        "provisioning_state",
        "power_state",
        "kubernetes_version",
        "node_count",
        "node_pools",
        "fqdn",
        "portal_url",
        "created_by_task",
        "upgrades",
        "operation",
        "actions",
        "access",
        "guardrails",
        "cost",
    }
    assert (cluster["resource_group"], cluster["region"]) == ("rg-list", "eastus")
    assert (cluster["provisioning_state"], cluster["power_state"]) == ("Succeeded", "Running")
    assert cluster["created_by_task"] == mine["task_id"]
    assert [p["mode"] for p in cluster["node_pools"]] == ["System", "User"]
    assert cluster["node_count"] == 2
    assert cluster["upgrades"] and all(not u.startswith("1.34") for u in cluster["upgrades"])
    assert cluster["operation"] is None
    assert cluster["portal_url"].endswith(cluster["id"] + "/overview")


def test_a_failure_whose_cluster_was_deleted_behind_our_back_never_shows_again(
    local_stack: LocalStack, arm_client: ContainerServiceClient
) -> None:
    user = local_stack.user(f"gone-{uuid.uuid4().hex[:6]}")
    name = _name("fail-")
    failed = user.wait(user.provision(name, resource_group="rg-list"))
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert [job["task_id"] for job in recent] == [failed["task_id"]]
    arm_client.managed_clusters.begin_delete("rg-list", name).result()  # in the portal

    listed = user.get("/api/aks/clusters")
    other_device = local_stack.user(f"gone-{uuid.uuid4().hex[:6]}")
    other_device.headers.update(user.headers)  # the same user on another device

    assert listed.status_code == 200
    assert other_device.get("/api/aks/recent-failed-provisions").json()["jobs"] == []
