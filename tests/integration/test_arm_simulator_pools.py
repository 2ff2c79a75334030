"""Agent pools through the real SDK client: add, autoscale, delete, refusals and usages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice.models import AgentPool, AgentPoolUpgradeSettings

from tests.arm_fixtures import SIMULATOR_RESOURCE_GROUP, managed_cluster_body

RG = SIMULATOR_RESOURCE_GROUP


@pytest.fixture
def running_cluster(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> str:
    """A Succeeded, Running cluster with one System pool of 3 Standard_D2s_v3 nodes."""
    name = unique_cluster_name("pools-")
    arm_client.managed_clusters.begin_create_or_update(
        RG, name, managed_cluster_body(location="westus2")
    ).result()
    return name


def _user_pool(count: int, vm_size: str = "Standard_D4s_v5") -> AgentPool:
    return AgentPool(
        count=count,
        vm_size=vm_size,
        mode="User",
        upgrade_settings=AgentPoolUpgradeSettings(max_surge="10%"),
    )


def test_a_pool_is_added_autoscaled_and_deleted_through_the_sdk(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    arm_client.agent_pools.begin_create_or_update(
        RG, running_cluster, "work", _user_pool(2)
    ).result()
    pool = arm_client.agent_pools.get(RG, running_cluster, "work")
    assert (pool.count, pool.mode, pool.upgrade_settings.max_surge) == (2, "User", "10%")

    pool.enable_auto_scaling, pool.min_count, pool.max_count = True, 1, 4
    arm_client.agent_pools.begin_create_or_update(RG, running_cluster, "work", pool).result()
    pool = arm_client.agent_pools.get(RG, running_cluster, "work")
    assert (pool.enable_auto_scaling, pool.min_count, pool.max_count) == (True, 1, 4)

    arm_client.agent_pools.begin_delete(RG, running_cluster, "work").result()
    with pytest.raises(ResourceNotFoundError):
        arm_client.agent_pools.get(RG, running_cluster, "work")
    names = [p.name for p in arm_client.agent_pools.list(RG, running_cluster)]
    assert names == ["system"]


def test_deleting_the_last_system_pool_is_400_operation_not_allowed(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        arm_client.agent_pools.begin_delete(RG, running_cluster, "system")
    assert caught.value.status_code == 400
    assert caught.value.error.code == "OperationNotAllowed"
    assert caught.value.error.message == "There has to be at least one system agent pool."


def test_a_count_on_an_autoscaled_pool_is_refused(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    pool = arm_client.agent_pools.get(RG, running_cluster, "system")
    pool.enable_auto_scaling, pool.min_count, pool.max_count = True, 1, 5
    arm_client.agent_pools.begin_create_or_update(RG, running_cluster, "system", pool).result()
    pool = arm_client.agent_pools.get(RG, running_cluster, "system")
    pool.count = 5
    with pytest.raises(HttpResponseError) as caught:
        arm_client.agent_pools.begin_create_or_update(RG, running_cluster, "system", pool)
    assert caught.value.status_code == 400
    assert "Cannot manually scale and enable cluster autoscaler" in caught.value.error.message


def test_the_region_usage_counts_an_added_pool_until_it_is_deleted(
    arm_client: ContainerServiceClient,
    compute_client: ComputeManagementClient,
    running_cluster: str,
) -> None:
    def dsv5_in_use() -> int:
        usages = {u.name.value: u.current_value for u in compute_client.usage.list("westus2")}
        return usages["standardDSv5Family"]

    before = dsv5_in_use()
    arm_client.agent_pools.begin_create_or_update(
        RG, running_cluster, "work", _user_pool(3)
    ).result()
    assert dsv5_in_use() == before + 12
    arm_client.agent_pools.begin_delete(RG, running_cluster, "work").result()
    assert dsv5_in_use() == before
