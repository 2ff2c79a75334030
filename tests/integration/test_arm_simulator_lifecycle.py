"""Stop, start, scale, upgrade, abort and list of managedClusters through the real SDK client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from tests.arm_fixtures import SIMULATOR_RESOURCE_GROUP, managed_cluster_body

RG = SIMULATOR_RESOURCE_GROUP


@pytest.fixture
def running_cluster(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> str:
    """A Succeeded, Running cluster (version 1.32.6, one System pool of 3 nodes)."""
    name = unique_cluster_name("life-")
    arm_client.managed_clusters.begin_create_or_update(
        RG, name, managed_cluster_body(tags={"owner": "oid-life"})
    ).result()
    return name


def pool_body(count: int, vm_size: str = "Standard_D2s_v3", mode: str = "System") -> dict[str, Any]:
    """An agent pool PUT body as the product sends it."""
    return {"properties": {"count": count, "vmSize": vm_size, "mode": mode}}


def test_stop_then_start_changes_power_state_through_async_operations(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    stop = arm_client.managed_clusters.begin_stop(RG, running_cluster)
    assert arm_client.managed_clusters.get(RG, running_cluster).provisioning_state == "Stopping"
    stop.result()
    stopped = arm_client.managed_clusters.get(RG, running_cluster)
    assert (stopped.provisioning_state, stopped.power_state.code) == ("Succeeded", "Stopped")
    assert stopped.agent_pool_profiles[0].power_state.code == "Stopped"
    start = arm_client.managed_clusters.begin_start(RG, running_cluster)
    assert arm_client.managed_clusters.get(RG, running_cluster).provisioning_state == "Starting"
    start.result()
    assert arm_client.managed_clusters.get(RG, running_cluster).power_state.code == "Running"


def test_stopped_cluster_refuses_an_agent_pool_scale_with_409_operation_not_allowed(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    arm_client.managed_clusters.begin_stop(RG, running_cluster).result()
    with pytest.raises(HttpResponseError) as caught:
        arm_client.agent_pools.begin_create_or_update(RG, running_cluster, "system", pool_body(5))
    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"
    assert "Power State(Stopped)" in caught.value.error.message
    assert "in progress" not in caught.value.error.message


def test_starting_a_running_cluster_is_refused(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_start(RG, running_cluster)
    assert caught.value.status_code == 409
    assert "Power State(Running), starting cannot be performed" in caught.value.error.message


def test_agent_pool_scale_shows_scaling_then_the_new_count(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    scale = arm_client.agent_pools.begin_create_or_update(
        RG, running_cluster, "system", pool_body(5)
    )
    pool = arm_client.agent_pools.get(RG, running_cluster, "system")
    assert (pool.count, pool.provisioning_state) == (5, "Scaling")
    assert arm_client.managed_clusters.get(RG, running_cluster).provisioning_state == "Updating"
    assert scale.result().provisioning_state == "Succeeded"
    cluster = arm_client.managed_clusters.get(RG, running_cluster)
    assert cluster.agent_pool_profiles[0].count == 5
    assert cluster.provisioning_state == "Succeeded"


def test_agent_pool_put_of_a_new_name_adds_a_pool(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    arm_client.agent_pools.begin_create_or_update(
        RG, running_cluster, "user1", pool_body(2, "Standard_D4s_v5", "User")
    ).result()
    pools = {p.name: p for p in arm_client.agent_pools.list(RG, running_cluster)}
    assert set(pools) == {"system", "user1"}
    assert (pools["user1"].count, pools["user1"].mode) == (2, "User")


def test_write_during_an_agent_pool_operation_names_the_pool_in_progress(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    arm_client.agent_pools.begin_create_or_update(RG, running_cluster, "system", pool_body(4))
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_stop(RG, running_cluster)
    assert caught.value.status_code == 409
    assert "Another agentpool operation (system - Scaling) is in progress" in (
        caught.value.error.message
    )


def test_upgrade_via_put_runs_upgrading_then_reports_the_new_version(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    profile = arm_client.managed_clusters.get_upgrade_profile(RG, running_cluster)
    offered = [u.kubernetes_version for u in profile.control_plane_profile.upgrades]
    assert profile.control_plane_profile.kubernetes_version == "1.32.6"
    assert {"1.33.1", "1.33.2"} <= set(offered)
    body = managed_cluster_body()
    body["properties"]["kubernetesVersion"] = "1.33.2"
    upgrade = arm_client.managed_clusters.begin_create_or_update(RG, running_cluster, body)
    during = arm_client.managed_clusters.get(RG, running_cluster)
    assert during.provisioning_state == "Upgrading"
    assert during.current_kubernetes_version == "1.32.6"
    done = upgrade.result()
    assert (done.kubernetes_version, done.current_kubernetes_version) == ("1.33.2", "1.33.2")
    assert done.agent_pool_profiles[0].current_orchestrator_version == "1.33.2"
    later = arm_client.managed_clusters.get_upgrade_profile(RG, running_cluster)
    assert "1.33.1" not in [u.kubernetes_version for u in later.control_plane_profile.upgrades]


def test_upgrade_to_a_version_the_region_lacks_answers_400(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    body = managed_cluster_body()
    body["properties"]["kubernetesVersion"] = "1.99.0"
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_create_or_update(RG, running_cluster, body)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "AgentPoolK8sVersionNotSupported"


@pytest.mark.parametrize("operation", ["stop", "scale", "upgrade"])
def test_abort_cancels_a_running_lifecycle_operation(
    arm_client: ContainerServiceClient, running_cluster: str, operation: str
) -> None:
    if operation == "stop":
        poller = arm_client.managed_clusters.begin_stop(RG, running_cluster)
    elif operation == "scale":
        poller = arm_client.agent_pools.begin_create_or_update(
            RG, running_cluster, "system", pool_body(6)
        )
    else:
        body = managed_cluster_body()
        body["properties"]["kubernetesVersion"] = "1.33.1"
        poller = arm_client.managed_clusters.begin_create_or_update(RG, running_cluster, body)
    arm_client.managed_clusters.begin_abort_latest_operation(RG, running_cluster).result()
    cluster = arm_client.managed_clusters.get(RG, running_cluster)
    assert (cluster.provisioning_state, cluster.power_state.code) == ("Canceled", "Running")
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error.code == "OperationCancelled"


def test_a_started_delete_cannot_be_aborted(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    arm_client.managed_clusters.begin_delete(RG, running_cluster)
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_abort_latest_operation(RG, running_cluster)
    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"


def test_subscription_list_returns_every_cluster_with_tags(
    arm_client: ContainerServiceClient,
    running_cluster: str,
    unique_cluster_name: Callable[[str], str],
) -> None:
    other_group = unique_cluster_name("rg-list-")
    other = unique_cluster_name("life-")
    arm_client.managed_clusters.begin_create_or_update(
        other_group, other, managed_cluster_body(location="westus2", tags={"owner": "oid-2"})
    )
    listed = {c.name: c for c in arm_client.managed_clusters.list()}
    assert listed[running_cluster].tags == {"owner": "oid-life"}
    assert listed[other].tags == {"owner": "oid-2"}
    assert listed[other].provisioning_state == "Creating"
    in_group = [c.name for c in arm_client.managed_clusters.list_by_resource_group(other_group)]
    assert in_group == [other]
