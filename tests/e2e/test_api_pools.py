"""Node pools over HTTP through the real stack: add, autoscale, delete, and quota before acting."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient

from tests.stack_fixtures import LocalStack, UserClient

GROUP = "rg-pools"
D16 = "Standard_D16s_v5"
DSV5 = "standardDSv5Family"
# A region no other test uses: the surge test fills its DSv5 quota for a moment.
QUIET_REGION = "canadacentral"


def _created(user: UserClient, prefix: str = "pools-", **extra: Any) -> str:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    assert user.wait(user.provision(name, resource_group=GROUP, **extra))["status"] == "succeeded"
    return name


def _post(user: UserClient, name: str, suffix: str, body: Any = None) -> Any:
    return user.post(f"/api/aks/clusters/{GROUP}/{name}/{suffix}", json=body)


def _listed(user: UserClient, name: str) -> dict[str, Any]:
    clusters = user.get("/api/aks/clusters").json()["clusters"]
    return next(c for c in clusters if c["name"] == name)


def _pools(user: UserClient, name: str) -> dict[str, dict[str, Any]]:
    return {pool["name"]: pool for pool in _listed(user, name)["node_pools"]}


def _succeeded(user: UserClient, answer: Any, task_type: str) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    done = user.wait(answer.json()["task_id"])
    assert (done["type"], done["status"]) == (task_type, "succeeded"), done
    return done


@pytest.fixture
def user(local_stack: LocalStack) -> UserClient:
    return local_stack.user(f"pools-{uuid.uuid4().hex[:6]}")


def test_a_pool_is_added_then_autoscaled_then_refused_a_scale_then_deleted(
    user: UserClient,
) -> None:
    name = _created(user)
    assert {a["kind"]: a["enabled"] for a in _listed(user, name)["actions"]}["node_pools"]

    added = _succeeded(
        user,
        _post(user, name, "pools", {"name": "work", "vm_size": "Standard_D4s_v5", "node_count": 1}),
        "aks_pool_add",
    )
    assert added["progress"]["step"] == "Node pool added"
    work = _pools(user, name)["work"]
    assert (work["mode"], work["vm_size"], work["count"]) == ("User", "Standard_D4s_v5", 1)
    assert (work["autoscale"], work["max_surge"]) == (None, "10%")

    _succeeded(
        user, _post(user, name, "pools/work/autoscale", {"min": 1, "max": 3}), "aks_pool_autoscale"
    )
    assert _pools(user, name)["work"]["autoscale"] == {"min": 1, "max": 3}

    scale = _post(user, name, "scale", {"node_pool": "work", "node_count": 2})
    assert scale.status_code == 409, scale.text
    assert scale.json()["error"]["code"] == "autoscale_enabled"

    wrong = _post(user, name, "pools/work/delete", {"confirm": name})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "confirm"
    _succeeded(user, _post(user, name, "pools/work/delete", {"confirm": "work"}), "aks_pool_delete")
    assert set(_pools(user, name)) == {"system"}

    history = [job["type"] for job in user.get("/api/aks/provisions").json()["jobs"]]
    assert history[:3] == ["aks_pool_delete", "aks_pool_autoscale", "aks_pool_add"]


def test_autoscale_off_sets_a_count_and_a_scale_is_then_accepted(user: UserClient) -> None:
    name = _created(user)
    body = {"name": "auto", "vm_size": "Standard_D4s_v5", "autoscale": {"min": 0, "max": 2}}
    _succeeded(user, _post(user, name, "pools", body), "aks_pool_add")
    assert _pools(user, name)["auto"]["autoscale"] == {"min": 0, "max": 2}

    _succeeded(
        user,
        _post(user, name, "pools/auto/autoscale", {"enabled": False, "node_count": 2}),
        "aks_pool_autoscale",
    )
    auto = _pools(user, name)["auto"]
    assert (auto["autoscale"], auto["count"]) == (None, 2)
    _succeeded(
        user, _post(user, name, "scale", {"node_pool": "auto", "node_count": 1}), "aks_scale"
    )


def test_an_existing_name_is_pool_exists_and_the_only_system_pool_stays(user: UserClient) -> None:
    name = _created(user)

    exists = _post(user, name, "pools", {"name": "system", "vm_size": D16, "node_count": 1})
    last = _post(user, name, "pools/system/delete", {"confirm": "system"})
    missing = _post(user, name, "pools/nothere/autoscale", {"min": 1, "max": 2})
    gone = _post(user, name, "pools/nothere/delete", {"confirm": "nothere"})

    assert (exists.status_code, exists.json()["error"]["code"]) == (409, "pool_exists")
    assert (last.status_code, last.json()["error"]["code"]) == (409, "last_system_pool")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "not_found")
    assert set(_pools(user, name)) == {"system"}


@pytest.fixture(scope="module")
def body_cluster(local_stack: LocalStack) -> tuple[UserClient, str]:
    """One cluster for the refusals that change nothing (created once per module)."""
    user = local_stack.user("pools-bodies")
    return user, _created(user, "poolbody-")


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("pools", {"name": "Work", "vm_size": "Standard_D4s_v5", "node_count": 1}, "name"),
        ("pools", {"name": "work", "vm_size": "Standard_D4s_v5"}, "node_count"),
        ("pools", {"name": "work", "vm_size": "Standard_X1", "node_count": 1}, "vm_size"),
        (
            "pools",
            {"name": "work", "vm_size": "Standard_D4s_v5", "autoscale": {"min": 3, "max": 2}},
            "autoscale.min",
        ),
        ("pools/system/autoscale", {"min": 0, "max": 2}, "min"),
        ("pools/system/autoscale", {"enabled": False}, "node_count"),
    ],
)
def test_bad_pool_bodies_are_400_naming_the_field(
    body_cluster: tuple[UserClient, str], suffix: str, body: dict[str, Any], field: str
) -> None:
    user, name = body_cluster
    refused = _post(user, name, suffix, body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["field"] == field


def test_100_d16s_v5_nodes_are_quota_exceeded_with_the_family_and_the_quota_link(
    user: UserClient, arm_client: ContainerServiceClient
) -> None:
    name = _created(user)

    refused = _post(user, name, "pools", {"name": "big", "vm_size": D16, "node_count": 100})

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert DSV5 in error["message"] and "1600 vCPUs" in error["message"]
    assert error["quota"]["family"] == DSV5 and error["quota"]["needed_vcpus"] == 1600
    (link,) = error["actions"]
    assert link["label"] == "Request quota increase" and "location=eastus" in link["url"]
    assert [p.name for p in arm_client.agent_pools.list(GROUP, name)] == ["system"]


def test_an_upgrade_is_refused_for_its_surge_nodes_alone(
    user: UserClient, compute_client: ComputeManagementClient
) -> None:
    usage = {u.name.value: u for u in compute_client.usage.list(QUIET_REGION)}[DSV5]
    nodes = min(100, (usage.limit - usage.current_value) // 16)
    assert nodes >= 10, "the quiet region is not quiet"
    name = _created(user, node_vm_size=D16, node_count=nodes, region=QUIET_REGION)
    try:
        upgrades = _listed(user, name)["upgrades"]

        refused = _post(user, name, "upgrade", {"kubernetes_version": upgrades[-1]})

        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "quota_exceeded"
        assert "surge nodes" in error["message"] and DSV5 in error["message"]
        assert _listed(user, name)["kubernetes_version"] != upgrades[-1]
    finally:
        _succeeded(user, _post(user, name, "delete", {"confirm": name}), "aks_delete")


def test_a_stopped_cluster_refuses_pool_changes_with_invalid_state(user: UserClient) -> None:
    name = _created(user)
    _succeeded(user, _post(user, name, "stop"), "aks_stop")
    actions = {a["kind"]: a for a in _listed(user, name)["actions"]}
    assert actions["node_pools"]["enabled"] is False

    for suffix, body in (
        ("pools", {"name": "work", "vm_size": "Standard_D4s_v5", "node_count": 1}),
        ("pools/system/autoscale", {"min": 1, "max": 3}),
        ("pools/system/delete", {"confirm": "system"}),
    ):
        refused = _post(user, name, suffix, body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "invalid_state"
        assert refused.json()["error"]["message"] == actions["node_pools"]["reason"]


def test_another_users_cluster_is_not_found_for_every_pool_operation(
    local_stack: LocalStack, user: UserClient
) -> None:
    name = _created(user)
    intruder = local_stack.user(f"intruder-{uuid.uuid4().hex[:6]}")
    for suffix, body in (
        ("pools", {"name": "work", "vm_size": "Standard_D4s_v5", "node_count": 1}),
        ("pools/system/autoscale", {"min": 1, "max": 3}),
        ("pools/system/delete", {"confirm": "system"}),
    ):
        answer = _post(intruder, name, suffix, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")


def test_pool_operations_racing_other_operations_yield_exactly_one(user: UserClient) -> None:
    name = _created(user)
    requests_ = [
        ("pools", {"name": "racea", "vm_size": "Standard_D4s_v5", "node_count": 1}),
        ("pools", {"name": "raceb", "vm_size": "Standard_D4s_v5", "node_count": 1}),
        ("pools/system/autoscale", {"min": 1, "max": 3}),
        ("scale", {"node_pool": "system", "node_count": 2}),
        ("stop", None),
    ]
    with ThreadPoolExecutor(len(requests_)) as pool:
        answers = list(pool.map(lambda r: _post(user, name, r[0], r[1]), requests_))

    assert sorted(a.status_code for a in answers).count(202) == 1, [a.text for a in answers]
    losers = {a.json()["error"]["code"] for a in answers if a.status_code != 202}
    assert losers <= {"operation_in_progress", "invalid_state"}
    winner = next(a for a in answers if a.status_code == 202).json()["task_id"]
    assert user.wait(winner)["status"] == "succeeded"


def test_a_started_pool_delete_cannot_be_cancelled(user: UserClient) -> None:
    name = _created(user)
    body = {"name": "work", "vm_size": "Standard_D4s_v5", "node_count": 1}
    _succeeded(user, _post(user, name, "pools", body), "aks_pool_add")
    delete = _post(user, name, "pools/work/delete", {"confirm": "work"})
    task_id = delete.json()["task_id"]
    user.wait_until(task_id, lambda d: d["status"] == "running")

    cancel = user.post(f"/api/tasks/{task_id}/cancel")

    if cancel.status_code == 409:
        assert cancel.json()["error"]["code"] == "not_cancellable"
    else:  # it finished first: cancel reports the finished status
        assert cancel.status_code == 200
    assert user.wait(task_id)["status"] == "succeeded"
