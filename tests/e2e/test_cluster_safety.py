"""No user can change or delete another's cluster, and a status is always the truth.

Each test replays an attack or fault found against `make run`, through the real stack
(local host, Azurite, the ARM simulator and the real SDKs), acting as two users.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from azure.mgmt.containerservice import ContainerServiceClient

from local.arm_simulator.certificate import certificate_path
from local.arm_simulator.process import start_arm_simulator
from local.processes import free_port, start_local_host
from provisioning.clusters.ownership import owner_tag_for
from tests.arm_fixtures import SIMULATOR_TEST_ENV, ArmSimulator, arm_simulator_base_url
from tests.figures import report_figure
from tests.stack_fixtures import LocalStack, UserClient, stack_env

logger = logging.getLogger(__name__)
_report = functools.partial(report_figure, prefix="safety: ")
RACE_DELAYS = (0.0, 0.4, 0.8, 1.2, 1.6, 2.0, 2.4, 2.8)


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _cluster(arm: ContainerServiceClient, resource_group: str, name: str) -> Any:
    return arm.managed_clusters.get(resource_group, name)


def _system_pool_count(cluster: Any) -> int:
    return int(cluster.agent_pool_profiles[0].count)


def _wait_until_resolved(user: UserClient, task_id: str, timeout: float = 30) -> None:
    """The finish step stores a success, then resolves earlier failures: wait for the second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
        if task_id not in {job["task_id"] for job in recent}:
            return
        time.sleep(0.1)
    raise AssertionError(f"failure {task_id} was not resolved within {timeout} s")


def test_a_create_never_modifies_another_users_cluster(
    local_stack: LocalStack, arm_client: ContainerServiceClient
) -> None:
    alice, bob = local_stack.user("safety-alice"), local_stack.user("safety-bob")
    name = _name("shared-")
    first = alice.wait(alice.provision(name, resource_group="rg-x"))
    assert first["status"] == "succeeded"
    before = _cluster(arm_client, "rg-x", name)

    attempt = bob.wait(
        bob.provision(name, resource_group="rg-x", node_count=5, kubernetes_version="1.31")
    )

    assert attempt["status"] == "failed"
    assert attempt["error"]["code"] == "ClusterAlreadyExists"
    assert attempt["error"]["category"] == "conflict"
    assert attempt["error"]["retryable"] is False
    assert name in attempt["error"]["message"] and "rg-x" in attempt["error"]["message"]
    assert attempt["progress"]["cluster_seen"] is False
    after = _cluster(arm_client, "rg-x", name)
    assert _system_pool_count(after) == _system_pool_count(before) == 1
    assert after.kubernetes_version == before.kubernetes_version
    assert after.tags == before.tags
    assert after.tags["owner"] == owner_tag_for(alice.owner_id)
    assert after.tags["task-id"] == first["task_id"]
    # Nothing to clean up for Bob, and his failure offers no delete of Alice's cluster.
    kinds = {action["kind"] for action in attempt["error"]["actions"]}
    assert "delete_cluster" not in kinds
    refused = bob.post(f"/api/tasks/{attempt['task_id']}/delete-cluster")
    assert refused.status_code == 409, refused.text


def test_a_second_user_cannot_hijack_or_cancel_a_create_still_running(
    local_stack: LocalStack, arm_client: ContainerServiceClient
) -> None:
    alice, bob = local_stack.user("safety-alice"), local_stack.user("safety-bob")
    name = _name("slow-")
    alices = alice.provision(name, resource_group="rg-x")
    alice.wait_until(alices, lambda d: d["progress"]["cluster_seen"])

    bobs = bob.wait(bob.provision(name, resource_group="rg-x"))
    cancel = bob.post(f"/api/tasks/{bobs['task_id']}/cancel")
    delete = bob.post(f"/api/tasks/{bobs['task_id']}/delete-cluster")

    assert bobs["status"] == "failed" and bobs["error"]["code"] == "ClusterAlreadyExists"
    assert cancel.status_code == 200 and cancel.json()["was_running"] is False
    assert delete.status_code == 409
    time.sleep(1.5)  # a few poll rounds: Alice's create must be untouched
    assert alice.task(alices)["status"] == "running"
    assert _cluster(arm_client, "rg-x", name).provisioning_state == "Creating"
    alice.post(f"/api/tasks/{alices}/cancel")
    assert alice.wait(alices)["status"] == "cancelled"


def test_a_stale_cleanup_never_deletes_the_cluster_a_retry_made_healthy(
    local_stack: LocalStack, arm_client: ContainerServiceClient
) -> None:
    user = local_stack.user("safety-stale")
    name = _name("failonce-")
    failed = user.wait(user.provision(name, resource_group="rg-x"))
    assert failed["status"] == "failed" and failed["progress"]["cluster_seen"] is True
    retried = user.wait(user.provision(name, resource_group="rg-x"))
    assert retried["status"] == "succeeded"
    _wait_until_resolved(user, failed["task_id"])

    stale = user.post(f"/api/tasks/{failed['task_id']}/delete-cluster")

    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["code"] == "not_deletable"
    assert "resolved" in stale.json()["error"]["message"]
    cluster = _cluster(arm_client, "rg-x", name)
    assert cluster.provisioning_state == "Succeeded"
    assert cluster.tags["task-id"] == retried["task_id"]


def test_cleanup_deletes_the_partial_cluster_its_own_attempt_left(
    local_stack: LocalStack, arm_client: ContainerServiceClient
) -> None:
    user = local_stack.user("safety-cleanup")
    name = _name("slow-")
    task_id = user.provision(name, resource_group="rg-x")
    user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
    user.post(f"/api/tasks/{task_id}/cancel")
    assert user.wait(task_id)["status"] == "cancelled"

    accepted = user.post(f"/api/tasks/{task_id}/delete-cluster")

    assert accepted.status_code == 202, accepted.text
    cleanup = user.wait(accepted.json()["task_id"])
    assert cleanup["status"] == "succeeded"
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert task_id not in {job["task_id"] for job in recent}


def test_cleanup_of_a_cluster_already_gone_succeeds_at_once_and_resolves_it(
    local_stack: LocalStack, arm_client: ContainerServiceClient
) -> None:
    user = local_stack.user("safety-gone")
    name = _name("fail-")
    failed = user.wait(user.provision(name, resource_group="rg-x"))
    arm_client.managed_clusters.begin_delete("rg-x", name).result()  # behind the product's back

    accepted = user.post(f"/api/tasks/{failed['task_id']}/delete-cluster")

    assert accepted.status_code == 202, accepted.text
    cleanup = user.task(accepted.json()["task_id"])
    assert (cleanup["type"], cleanup["status"]) == ("aks_delete", "succeeded")
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert failed["task_id"] not in {job["task_id"] for job in recent}


def test_cancel_racing_completion_records_what_arm_says(
    local_stack: LocalStack, arm_client: ContainerServiceClient, request: pytest.FixtureRequest
) -> None:
    user = local_stack.user("safety-race")

    def race(delay: float) -> tuple[str, str, requests.Response]:
        client = UserClient(user.base_url, user.owner_id, "race")
        name = _name("race-")
        task_id = client.provision(name, resource_group="rg-race")
        client.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
        time.sleep(delay)  # the simulator creates in ~2 s: cancel lands either side of it
        return task_id, name, client.post(f"/api/tasks/{task_id}/cancel")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(race, RACE_DELAYS))

    seen: dict[str, int] = {}
    for task_id, name, response in results:
        assert response.status_code in (200, 202), response.text
        document = user.wait(task_id, timeout=120)
        arm_state = _cluster(arm_client, "rg-race", name).provisioning_state
        seen[document["status"]] = seen.get(document["status"], 0) + 1
        # Never "cancelled" (with a delete button) for a cluster ARM says is healthy.
        if arm_state == "Succeeded":
            assert document["status"] == "succeeded", (document, arm_state)
        else:
            assert document["status"] == "cancelled", (document, arm_state)
            assert arm_state in ("Canceling", "Canceled")
    assert sum(seen.values()) == len(RACE_DELAYS)
    _report(request, f"cancel racing completion x{len(RACE_DELAYS)}: {seen}")


def test_a_terminated_orchestration_is_recorded_failed_and_frees_the_name(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("safety-lost")
    name = _name("slow-")
    task_id = user.provision(name, resource_group="rg-lost")
    user.wait_until(task_id, lambda d: d["status"] == "running")
    rpc = f"http://127.0.0.1:{local_stack.rpc_port}/durabletask/instances/{task_id}/terminate"
    assert requests.post(rpc, params={"reason": "operator"}, timeout=10).status_code in (200, 202)
    time.sleep(0.5)

    document = user.wait(task_id, timeout=30)

    assert document["status"] == "failed"
    assert document["error"]["code"] == "OrchestrationLost"
    again = user.post(
        "/api/aks/provision",
        json={"cluster_name": name, "resource_group": "rg-lost", "region": "eastus"},
    )
    assert again.status_code == 202, again.text  # the slot is free again
    user.post(f"/api/tasks/{again.json()['task_id']}/cancel")


def test_cancel_of_an_attempt_whose_orchestration_is_gone_records_a_terminal_status(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("safety-lost-cancel")
    task_id = user.provision(_name("slow-"), resource_group="rg-lost")
    user.wait_until(task_id, lambda d: d["status"] == "running")
    purge = f"http://127.0.0.1:{local_stack.rpc_port}/durabletask/instances/{task_id}"
    requests.post(purge + "/terminate", params={"reason": "x"}, timeout=10)
    time.sleep(0.5)

    cancel = user.post(f"/api/tasks/{task_id}/cancel")

    assert cancel.status_code == 200, cancel.text
    assert cancel.json() == {"task_id": task_id, "status": "failed", "was_running": False}
    assert user.task(task_id)["error"]["code"] == "OrchestrationLost"


def test_dismiss_is_refused_while_the_attempt_runs_and_its_failure_still_shows(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("safety-dismiss")
    task_id = user.provision(_name("fail-"), resource_group="rg-x")

    early = user.post(f"/api/tasks/{task_id}/dismiss")
    document = user.wait(task_id)

    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "not_dismissable"
    assert document["status"] == "failed" and document["dismissed_at"] is None
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert task_id in {job["task_id"] for job in recent}


def test_an_oversized_kubernetes_version_is_a_400_not_a_wedged_attempt(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("safety-wedge")
    name = _name("wedge-")
    response = user.post(
        "/api/aks/provision",
        json={
            "cluster_name": name,
            "resource_group": "rg-x",
            "region": "eastus",
            "kubernetes_version": "1." + "3" * 15000,
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "kubernetes_version"
    assert user.get("/api/aks/provisions").json()["jobs"] == []


# ---------------------------------------------------------------- ARM outage while polling

OUTAGE_SECONDS = 55  # longer than the ~49 s the activity retries used to last


@pytest.mark.slow
def test_an_arm_outage_while_polling_never_fails_an_attempt_that_succeeds(
    azurite: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    """ARM stops answering for 55 s mid-create: the attempt says so, keeps polling, succeeds."""
    data_dir = tmp_path_factory.mktemp("outage-simulator")
    sim_port = free_port()
    simulator = start_arm_simulator(
        data_dir,
        sim_port,
        log_path=data_dir / "sim.log",
        env={**SIMULATOR_TEST_ENV, "ARM_SIMULATOR_CREATE_SECONDS": "8"},
    )
    arm = ArmSimulator(
        arm_simulator_base_url(sim_port),
        certificate_path(data_dir.resolve()),
        sim_port,
        data_dir.resolve(),
    )
    env = stack_env(azurite, arm, "JobState" + uuid.uuid4().hex[:8])
    port, rpc_port = free_port(), free_port()
    host = start_local_host(
        port,
        rpc_port,
        env,
        log_path=data_dir / "host.log",
        hub_name="Outage" + uuid.uuid4().hex[:8],
    )
    try:
        user = UserClient(f"http://127.0.0.1:{port}", f"outage-{uuid.uuid4().hex[:8]}", "o")
        task_id = user.provision(_name("outage-"), resource_group="rg-outage")
        user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
        simulator.kill()
        started = time.monotonic()
        during = user.wait_until(
            task_id,
            lambda d: d["progress"]["step"] == "Azure is not answering; still trying",
            timeout=OUTAGE_SECONDS,
        )
        noticed = time.monotonic() - started
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))
        still = user.task(task_id)
        simulator = start_arm_simulator(
            data_dir, sim_port, log_path=data_dir / "sim2.log", env=SIMULATOR_TEST_ENV
        )
        final = user.wait(task_id, timeout=180)
        recovered = time.monotonic() - started - OUTAGE_SECONDS
        _report(
            request,
            f"ARM down {OUTAGE_SECONDS}s while polling: step shown after "
            f"{noticed:.1f}s, {still['status']} at the end of the outage, "
            f"{final['status']} {recovered:.1f}s after ARM came back",
        )

        assert during["status"] == "running"
        assert still["status"] == "running"
        assert final["status"] == "succeeded", final
        assert final["error"] is None
        assert final["progress"]["cluster_state"] == "Succeeded"
    finally:
        host.stop()
        simulator.stop()
