"""Lifecycle operations over HTTP through the real stack: stop, start, scale, upgrade, delete."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from azure.mgmt.containerservice import ContainerServiceClient

from tests.stack_fixtures import LocalStack, UserClient

GROUP = "rg-life"


def _created(user: UserClient, prefix: str = "life-") -> str:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    assert user.wait(user.provision(name, resource_group=GROUP))["status"] == "succeeded"
    return name


def _op(user: UserClient, name: str, operation: str, body: Any = None) -> Any:
    return user.post(
        f"/api/aks/clusters/{GROUP}/{name}/{operation}", json=body if body is not None else None
    )


def _listed(user: UserClient, name: str) -> dict[str, Any]:
    clusters = user.get("/api/aks/clusters").json()["clusters"]
    return next(c for c in clusters if c["name"] == name)


@pytest.fixture
def user(local_stack: LocalStack) -> UserClient:
    return local_stack.user(f"life-{uuid.uuid4().hex[:6]}")


def test_stop_then_start_run_as_tasks_and_flip_the_power_state(user: UserClient) -> None:
    name = _created(user)

    stop = _op(user, name, "stop")
    assert stop.status_code == 202, stop.text
    assert set(stop.json()) >= {"task_id", "status", "status_url"}
    assert stop.json()["status"] == "queued"
    stopped = user.wait(stop.json()["task_id"])
    assert (stopped["type"], stopped["status"], stopped["progress"]["step"]) == (
        "aks_stop",
        "succeeded",
        "Stopped",
    )
    assert _listed(user, name)["power_state"] == "Stopped"

    start = _op(user, name, "start")
    assert start.status_code == 202, start.text
    assert user.wait(start.json()["task_id"])["status"] == "succeeded"
    assert _listed(user, name)["power_state"] == "Running"
    jobs = user.get("/api/aks/provisions").json()["jobs"]
    history = {job["task_id"]: job["type"] for job in jobs}
    assert history[stop.json()["task_id"]] == "aks_stop"
    assert history[start.json()["task_id"]] == "aks_start"


def test_scale_changes_one_pool_and_bad_bodies_are_400(user: UserClient) -> None:
    name = _created(user)
    for body, field in (
        ({"node_pool": "system"}, "node_count"),
        ({"node_pool": "system", "node_count": 0}, "node_count"),
        ({"node_pool": "nope", "node_count": 2}, "node_pool"),
        ({"node_pool": "system", "node_count": 2, "x": 1}, "x"),
    ):
        refused = _op(user, name, "scale", body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["error"]["field"] == field

    scale = _op(user, name, "scale", {"node_pool": "system", "node_count": 3})

    assert scale.status_code == 202, scale.text
    assert user.wait(scale.json()["task_id"])["status"] == "succeeded"
    assert _listed(user, name)["node_count"] == 3


def test_upgrade_only_to_one_of_the_cluster_upgrades(user: UserClient) -> None:
    name = _created(user)
    upgrades = _listed(user, name)["upgrades"]
    assert upgrades

    refused = _op(user, name, "upgrade", {"kubernetes_version": "1.29.0"})
    upgrade = _op(user, name, "upgrade", {"kubernetes_version": upgrades[-1]})

    assert refused.status_code == 400 and refused.json()["error"]["field"] == "kubernetes_version"
    assert upgrade.status_code == 202, upgrade.text
    assert user.wait(upgrade.json()["task_id"])["status"] == "succeeded"
    assert _listed(user, name)["kubernetes_version"] == upgrades[-1]


def test_a_stopped_cluster_refuses_a_scale_with_invalid_state(user: UserClient) -> None:
    name = _created(user)
    assert user.wait(_op(user, name, "stop").json()["task_id"])["status"] == "succeeded"

    refused = _op(user, name, "scale", {"node_pool": "system", "node_count": 2})

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_state"


def test_delete_needs_the_typed_name_and_resolves_the_clusters_failures(
    user: UserClient,
) -> None:
    name = _created(user)
    wrong = _op(user, name, "delete", {"confirm": name.upper()})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "confirm"

    delete = _op(user, name, "delete", {"confirm": name})

    assert delete.status_code == 202, delete.text
    done = user.wait(delete.json()["task_id"])
    assert (done["type"], done["status"]) == ("aks_delete", "succeeded")
    assert name not in {c["name"] for c in user.get("/api/aks/clusters").json()["clusters"]}
    cancel = user.post(f"/api/tasks/{delete.json()['task_id']}/cancel")
    assert cancel.status_code == 200


def test_another_users_cluster_is_not_found_for_every_operation(
    local_stack: LocalStack, user: UserClient, arm_client: ContainerServiceClient
) -> None:
    name = _created(user)
    intruder = local_stack.user(f"intruder-{uuid.uuid4().hex[:6]}")
    bodies = {
        "stop": None,
        "start": None,
        "scale": {"node_pool": "system", "node_count": 2},
        "upgrade": {"kubernetes_version": "1.33.2"},
        "delete": {"confirm": name},
    }
    for operation, body in bodies.items():
        answer = _op(intruder, name, operation, body)
        assert answer.status_code == 404, (operation, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    assert arm_client.managed_clusters.get(GROUP, name).provisioning_state == "Succeeded"
    assert _op(user, "no-such-cluster", "stop").status_code == 404


def test_two_operations_racing_on_one_cluster_yield_exactly_one(user: UserClient) -> None:
    name = _created(user)
    for _ in range(3):
        # An upgrade that won an earlier round leaves fewer upgrades: ask for one still offered.
        upgrades = _listed(user, name)["upgrades"]
        fourth = (
            ("upgrade", {"kubernetes_version": upgrades[0]})
            if upgrades
            else ("scale", {"node_pool": "system", "node_count": 3})
        )
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(
                    lambda op: _op(user, name, op[0], op[1]),
                    [
                        ("stop", None),
                        ("scale", {"node_pool": "system", "node_count": 2}),
                        ("stop", None),
                        fourth,
                    ],
                )
            )
        codes = sorted(answer.status_code for answer in answers)
        assert codes.count(202) == 1, [a.text for a in answers]
        losers = [a.json()["error"]["code"] for a in answers if a.status_code == 409]
        assert set(losers) <= {"operation_in_progress", "invalid_state"} and len(losers) == 3
        winner = next(a for a in answers if a.status_code == 202).json()["task_id"]
        assert user.wait(winner)["status"] == "succeeded"
        if _listed(user, name)["power_state"] == "Stopped":
            assert user.wait(_op(user, name, "start").json()["task_id"])["status"] == "succeeded"


def test_cancel_racing_a_stop_records_what_arm_says(user: UserClient) -> None:
    name = _created(user)
    stop = _op(user, name, "stop").json()["task_id"]
    user.wait_until(stop, lambda d: d["status"] == "running")

    cancel = user.post(f"/api/tasks/{stop}/cancel")
    final = user.wait(stop)
    power = _listed(user, name)["power_state"]

    assert cancel.status_code in (200, 202)
    if final["status"] == "succeeded":
        assert power == "Stopped"
    else:
        assert final["status"] == "cancelled" and power == "Running"
