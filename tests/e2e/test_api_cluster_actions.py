"""The server says what each cluster allows: `actions`, `upgrades`, `limits`, `retry_of`.

Over HTTP through the real stack: an enabled action is accepted and a disabled one refused
with 409 invalid_state; `upgrades` is what …/upgrade takes, also for a cluster created at a
bare minor version; Edit & retry resolves what it retried under another name.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest

from tests.stack_fixtures import LocalStack, UserClient

GROUP = "rg-actions"


@pytest.fixture
def user(local_stack: LocalStack) -> UserClient:
    return local_stack.user(f"act-{uuid.uuid4().hex[:6]}")


def _created(user: UserClient, prefix: str = "act-", **extra: Any) -> str:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    done = user.wait(user.provision(name, resource_group=GROUP, **extra))
    assert done["status"] == "succeeded", done
    return name


def _listed(user: UserClient, name: str) -> dict[str, Any]:
    clusters = user.get("/api/aks/clusters").json()["clusters"]
    return next(c for c in clusters if c["name"] == name)


def _actions(cluster: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {action["kind"]: action for action in cluster["actions"]}


def _body(kind: str, cluster: dict[str, Any]) -> Any:
    if kind == "scale":
        return {"node_pool": cluster["node_pools"][0]["name"], "node_count": 2}
    if kind == "upgrade":
        return {"kubernetes_version": (cluster["upgrades"] or ["1.99.0"])[-1]}
    if kind == "delete":
        return {"confirm": cluster["name"]}
    return None


def _try(user: UserClient, cluster: dict[str, Any], kind: str) -> Any:
    route = f"/api/aks/clusters/{GROUP}/{cluster['name']}/{kind}"
    return user.post(route, json=_body(kind, cluster))


OPERATION_KINDS = ("stop", "start", "scale", "upgrade")


def _check_every_operation_kind(user: UserClient, name: str) -> None:
    """Disabled kinds are refused with their reason; one enabled kind is accepted."""
    cluster = _listed(user, name)
    actions = _actions(cluster)
    for kind in OPERATION_KINDS:
        if kind in actions and not actions[kind]["enabled"]:
            refused = _try(user, cluster, kind)
            assert refused.status_code == 409, (kind, refused.text)
            error = refused.json()["error"]
            assert error["code"] in ("invalid_state", "operation_in_progress"), error
            if error["code"] == "invalid_state":
                assert error["message"] == actions[kind]["reason"]


def test_a_running_cluster_offers_its_actions_in_order_and_each_enabled_one_is_accepted(
    user: UserClient,
) -> None:
    name = _created(user)
    cluster = _listed(user, name)
    kinds = [action["kind"] for action in cluster["actions"]]
    assert kinds == ["connect", "stop", "scale", "upgrade", "node_pools", "guardrails", "delete"]
    assert all(action["enabled"] for action in cluster["actions"]), cluster["actions"]

    scale = _try(user, cluster, "scale")
    assert scale.status_code == 202, scale.text
    busy = _actions(_listed(user, name))
    assert busy["stop"] == {
        "kind": "stop",
        "enabled": False,
        "reason": "Another operation is running: Scaling",
    }
    refused = _try(user, cluster, "stop")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "operation_in_progress")
    assert refused.json()["error"]["task_id"] == scale.json()["task_id"]
    assert user.wait(scale.json()["task_id"])["status"] == "succeeded"


def test_a_stopped_cluster_offers_start_and_refuses_what_it_disables(user: UserClient) -> None:
    name = _created(user)
    stop = user.post(f"/api/aks/clusters/{GROUP}/{name}/stop")
    assert user.wait(stop.json()["task_id"])["status"] == "succeeded"
    actions = _actions(_listed(user, name))
    assert actions["start"]["enabled"] is True and "stop" not in actions
    assert actions["scale"] == {
        "kind": "scale",
        "enabled": False,
        "reason": "A stopped cluster cannot be scaled",
    }
    _check_every_operation_kind(user, name)


def test_an_upgrading_cluster_refuses_every_disabled_action(user: UserClient) -> None:
    name = _created(user)
    cluster = _listed(user, name)
    upgrade = _try(user, cluster, "upgrade")
    assert upgrade.status_code == 202, upgrade.text
    actions = _actions(_listed(user, name))
    assert not actions["scale"]["enabled"] and actions["delete"]["enabled"] is False
    _check_every_operation_kind(user, name)
    assert user.wait(upgrade.json()["task_id"])["status"] == "succeeded"


def test_a_failed_cluster_shows_failed_and_offers_only_delete_and_connect(
    user: UserClient,
) -> None:
    name = f"fail-{uuid.uuid4().hex[:8]}"
    assert user.wait(user.provision(name, resource_group=GROUP))["status"] == "failed"
    cluster = _listed(user, name)
    assert cluster["provisioning_state"] == "Failed"
    enabled = {action["kind"] for action in cluster["actions"] if action["enabled"]}
    assert enabled <= {"delete", "connect"} and "delete" in enabled
    assert _actions(cluster)["scale"]["reason"] == "A failed cluster can only be deleted"
    _check_every_operation_kind(user, name)


def test_a_canceled_create_shows_canceled_not_running(user: UserClient) -> None:
    name = f"slow-{uuid.uuid4().hex[:8]}"
    task_id = user.provision(name, resource_group=GROUP)
    user.wait_until(task_id, lambda doc: doc["progress"]["cluster_seen"])
    assert user.post(f"/api/tasks/{task_id}/cancel").status_code in (200, 202)
    assert user.wait(task_id)["status"] == "cancelled"
    cluster = _listed(user, name)
    deadline = time.monotonic() + 30
    while cluster["provisioning_state"] != "Canceled" and time.monotonic() < deadline:
        time.sleep(0.5)  # ARM reports Canceling until its abort settles
        cluster = _listed(user, name)
    assert cluster["provisioning_state"] == "Canceled"
    assert _actions(cluster)["stop"]["enabled"] is False
    _check_every_operation_kind(user, name)


@pytest.mark.parametrize("version", ["1.31", "1.31.9"])
def test_upgrades_are_exactly_what_upgrade_accepts_for_a_minor_or_a_patch(
    user: UserClient, version: str
) -> None:
    name = _created(user, kubernetes_version=version)
    cluster = _listed(user, name)
    assert cluster["upgrades"], cluster
    assert all(not u.startswith("1.31.") or version == "1.31.9" for u in cluster["upgrades"])
    wrong = user.post(
        f"/api/aks/clusters/{GROUP}/{name}/upgrade", json={"kubernetes_version": "1.30.0"}
    )
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (400, "kubernetes_version")
    accepted = user.post(
        f"/api/aks/clusters/{GROUP}/{name}/upgrade",
        json={"kubernetes_version": cluster["upgrades"][0]},
    )
    assert accepted.status_code == 202, accepted.text
    assert user.wait(accepted.json()["task_id"])["status"] == "succeeded"


def test_options_carry_the_servers_own_input_limits(user: UserClient) -> None:
    limits = user.get("/api/aks/options?region=eastus").json()["limits"]
    assert limits["node_count"] == {"min": 1, "max": 100}
    assert limits["pool_name"]["max_length"] == 12
    cluster_name = re.compile(limits["cluster_name"]["pattern"])
    assert cluster_name.match("web-1") and not cluster_name.match("-web")
    assert limits["resource_group"]["max_length"] == 90


def test_edit_and_retry_under_another_name_resolves_the_failure_it_retried(
    user: UserClient,
) -> None:
    failed_id = user.provision(f"quota-{uuid.uuid4().hex[:8]}", resource_group=GROUP)
    assert user.wait(failed_id)["status"] == "failed"
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert failed_id in [job["task_id"] for job in recent]

    retry_name = f"ok-{uuid.uuid4().hex[:8]}"
    retry_id = user.provision(retry_name, resource_group=GROUP, retry_of=failed_id)
    retried = user.wait(retry_id)

    assert retried["status"] == "succeeded"
    assert retried["request"]["retry_of"] == failed_id and retried["trigger"] == "user"
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert failed_id not in [job["task_id"] for job in recent]


def test_retry_of_another_users_task_is_the_same_400_as_no_task(
    local_stack: LocalStack, user: UserClient
) -> None:
    other = local_stack.user(f"other-{uuid.uuid4().hex[:6]}")
    theirs = other.provision(f"quota-{uuid.uuid4().hex[:8]}", resource_group=GROUP)
    assert other.wait(theirs)["status"] == "failed"
    for retry_of in (theirs, "0000000000000000000-000000000000", "not-a-task"):
        body = {
            "cluster_name": f"r-{uuid.uuid4().hex[:6]}",
            "resource_group": GROUP,
            "region": "eastus",
            "retry_of": retry_of,
        }
        refused = user.post("/api/aks/provision", json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == "retry_of"
        assert theirs not in refused.text
