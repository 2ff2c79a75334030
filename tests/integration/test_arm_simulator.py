"""The ARM simulator through the real ContainerServiceClient and its LRO poller."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerservice import ContainerServiceClient

from local.arm_simulator.process import (
    arm_simulator_base_url,
    certificate_path,
    start_arm_simulator,
)
from local.processes import free_port
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID, ArmSimulator, make_arm_client

RESOURCE_GROUP = "rg-simulator-tests"


def cluster_body(vm_size: str = "Standard_D2s_v3", count: int = 3) -> dict[str, Any]:
    """A minimal managedCluster PUT body like the app sends."""
    return {
        "location": "eastus",
        "properties": {
            "dnsPrefix": "simtest",
            "kubernetesVersion": "1.32.6",
            "agentPoolProfiles": [
                {"name": "system", "count": count, "vmSize": vm_size, "mode": "System"}
            ],
        },
    }


@pytest.fixture
def cluster_name() -> Callable[[str], str]:
    """Unique names per test, so scenario memory (flaky-, failonce-) never leaks between tests."""
    return lambda prefix: f"{prefix}{uuid.uuid4().hex[:10]}"


def cluster_url(simulator: ArmSimulator, name: str, resource_group: str = RESOURCE_GROUP) -> str:
    """Raw URL of a managedCluster for checks below the SDK."""
    return (
        f"{simulator.base_url}/subscriptions/{SIMULATOR_SUBSCRIPTION_ID}"
        f"/resourceGroups/{resource_group}/providers/Microsoft.ContainerService"
        f"/managedClusters/{name}?api-version=2026-08-01"
    )


def test_default_cluster_create_succeeds_with_arm_resource_shape(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("demo-")
    poller = arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    )
    cluster = poller.result()
    assert cluster.provisioning_state == "Succeeded"
    fetched = arm_client.managed_clusters.get(RESOURCE_GROUP, name)
    assert fetched.name == name
    assert fetched.type == "Microsoft.ContainerService/ManagedClusters"
    assert fetched.location == "eastus"
    assert fetched.id.endswith(f"/providers/Microsoft.ContainerService/managedClusters/{name}")
    assert fetched.kubernetes_version == "1.32.6"
    assert fetched.dns_prefix == "simtest"
    assert fetched.fqdn.endswith(".hcp.eastus.azmk8s.io")
    assert fetched.node_resource_group == f"MC_{RESOURCE_GROUP}_{name}_eastus"
    assert fetched.power_state.code == "Running"
    assert fetched.agent_pool_profiles[0].count == 3


def test_quota_error_carries_the_quota_increase_link(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RESOURCE_GROUP, cluster_name("quota-"), cluster_body()
        )
    assert "exceeding approved Total Regional Cores quota" in caught.value.error.message
    assert "https://aka.ms/ProdportalCRP/" in caught.value.error.message


def test_fail_cluster_poller_raises_vm_extension_error_and_cluster_is_failed(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("fail-")
    poller = arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    )
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error.code == "VMExtensionProvisioningError"
    assert arm_client.managed_clusters.get(RESOURCE_GROUP, name).provisioning_state == "Failed"


def test_slow_cluster_stays_creating_until_aborted_then_is_canceled(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("slow-")
    create = arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    )
    assert arm_client.managed_clusters.get(RESOURCE_GROUP, name).provisioning_state == "Creating"
    assert not create.done()
    arm_client.managed_clusters.begin_abort_latest_operation(RESOURCE_GROUP, name).result()
    assert arm_client.managed_clusters.get(RESOURCE_GROUP, name).provisioning_state == "Canceled"
    with pytest.raises(HttpResponseError) as caught:
        create.result()
    assert caught.value.error.code == "OperationCancelled"


def test_abort_with_nothing_running_answers_409_operation_not_allowed(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("demo-")
    arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    ).result()
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_abort_latest_operation(RESOURCE_GROUP, name)
    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"


def test_flaky_cluster_succeeds_through_sdk_retries_of_503_and_429(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("flaky-")
    cluster = arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    ).result()
    assert cluster.provisioning_state == "Succeeded"


def test_flaky_cluster_first_calls_answer_503_then_429_with_retry_after(
    arm_simulator: ArmSimulator, cluster_name: Callable[[str], str]
) -> None:
    url = cluster_url(arm_simulator, cluster_name("flaky-"))
    headers = {"Authorization": "Bearer test"}
    answers = [
        requests.get(url, headers=headers, verify=arm_simulator.cert_path, timeout=10)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [503, 429, 404]
    assert [a.headers.get("Retry-After") for a in answers[:2]] == ["1", "1"]


def test_failonce_cluster_fails_first_then_succeeds_on_recreate(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("failonce-")
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RESOURCE_GROUP, name, cluster_body()
        ).result()
    assert caught.value.error.code == "VMExtensionProvisioningError"
    cluster = arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    ).result()
    assert cluster.provisioning_state == "Succeeded"


def test_missing_resource_group_answers_404_resource_group_not_found_for_every_verb(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("demo-")
    calls: list[Callable[[], object]] = [
        lambda: arm_client.managed_clusters.get("missing-rg", name),
        lambda: arm_client.managed_clusters.begin_create_or_update(
            "missing-rg", name, cluster_body()
        ),
        lambda: arm_client.managed_clusters.begin_delete("missing-rg", name),
        lambda: arm_client.managed_clusters.begin_abort_latest_operation("missing-rg", name),
    ]
    for call in calls:
        with pytest.raises(HttpResponseError) as caught:
            call()
        assert caught.value.status_code == 404
        assert caught.value.error.code == "ResourceGroupNotFound"
        assert caught.value.error.message == "Resource group 'missing-rg' could not be found."


def test_get_of_absent_cluster_answers_404_resource_not_found(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        arm_client.managed_clusters.get(RESOURCE_GROUP, cluster_name("absent-"))
    assert caught.value.error.code == "ResourceNotFound"


def test_deleted_cluster_goes_away(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    name = cluster_name("demo-")
    arm_client.managed_clusters.begin_create_or_update(
        RESOURCE_GROUP, name, cluster_body()
    ).result()
    arm_client.managed_clusters.begin_delete(RESOURCE_GROUP, name).result()
    with pytest.raises(ResourceNotFoundError):
        arm_client.managed_clusters.get(RESOURCE_GROUP, name)


def test_delete_of_absent_cluster_answers_204(
    arm_simulator: ArmSimulator, cluster_name: Callable[[str], str]
) -> None:
    answer = requests.delete(
        cluster_url(arm_simulator, cluster_name("absent-")),
        headers={"Authorization": "Bearer test"},
        verify=arm_simulator.cert_path,
        timeout=10,
    )
    assert answer.status_code == 204


def test_request_without_bearer_token_answers_401_authentication_failed(
    arm_simulator: ArmSimulator, cluster_name: Callable[[str], str]
) -> None:
    answer = requests.get(
        cluster_url(arm_simulator, cluster_name("demo-")),
        verify=arm_simulator.cert_path,
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "AuthenticationFailed"


def test_answers_carry_arm_request_ids_and_error_envelope(
    arm_simulator: ArmSimulator, cluster_name: Callable[[str], str]
) -> None:
    answer = requests.get(
        cluster_url(arm_simulator, cluster_name("absent-")),
        headers={"Authorization": "Bearer test", "x-ms-correlation-request-id": "corr-1"},
        verify=arm_simulator.cert_path,
        timeout=10,
    )
    assert answer.headers["x-ms-request-id"]
    assert answer.headers["x-ms-correlation-request-id"] == "corr-1"
    assert set(answer.json()["error"]) == {"code", "message", "target", "details"}


def test_put_without_agent_pools_answers_400_invalid_parameter_naming_target(
    arm_client: ContainerServiceClient, cluster_name: Callable[[str], str]
) -> None:
    body = {"location": "eastus", "properties": {"dnsPrefix": "x", "agentPoolProfiles": []}}
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RESOURCE_GROUP, cluster_name("demo-"), body
        )
    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidParameter"
    assert caught.value.error.target == "agentPoolProfiles"


@pytest.fixture
def private_simulator_dir(tmp_path: Path) -> Path:
    """A data dir for a simulator this test starts and restarts itself."""
    return tmp_path / "arm-simulator"


def test_restarted_simulator_keeps_clusters_and_failonce_memory(
    private_simulator_dir: Path,
) -> None:
    env = {"ARM_SIMULATOR_CREATE_SECONDS": "0.5"}
    log = private_simulator_dir.parent / "arm-simulator.log"
    first = start_arm_simulator(private_simulator_dir, free_port(), log_path=log, env=env)
    simulator = ArmSimulator(
        arm_simulator_base_url(first.port),
        certificate_path(private_simulator_dir),
        first.port,
        private_simulator_dir,
    )
    try:
        with make_arm_client(simulator) as client:
            client.managed_clusters.begin_create_or_update(
                RESOURCE_GROUP, "kept", cluster_body()
            ).result()
            with pytest.raises(HttpResponseError):
                client.managed_clusters.begin_create_or_update(
                    RESOURCE_GROUP, "failonce-kept", cluster_body()
                ).result()
    finally:
        first.stop()
    second = start_arm_simulator(private_simulator_dir, first.port, log_path=log, env=env)
    try:
        with make_arm_client(simulator) as client:
            kept = client.managed_clusters.get(RESOURCE_GROUP, "kept")
            assert kept.provisioning_state == "Succeeded"
            recreated = client.managed_clusters.begin_create_or_update(
                RESOURCE_GROUP, "failonce-kept", cluster_body()
            ).result()
            assert recreated.provisioning_state == "Succeeded"
    finally:
        second.stop()


def test_reset_endpoint_forgets_clusters(private_simulator_dir: Path) -> None:
    child = start_arm_simulator(private_simulator_dir, free_port())
    simulator = ArmSimulator(
        arm_simulator_base_url(child.port),
        certificate_path(private_simulator_dir),
        child.port,
        private_simulator_dir,
    )
    try:
        with make_arm_client(simulator) as client:
            client.managed_clusters.begin_create_or_update(RESOURCE_GROUP, "gone", cluster_body())
            reset = requests.post(
                f"{simulator.base_url}/_simulator/reset", verify=simulator.cert_path, timeout=10
            )
            assert reset.status_code == 200
            with pytest.raises(ResourceNotFoundError):
                client.managed_clusters.get(RESOURCE_GROUP, "gone")
    finally:
        child.stop()
