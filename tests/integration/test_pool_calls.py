"""The node-pool ARM calls (provisioning.clusters.change_calls) against the simulator."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.clusters.arm_calls import is_precondition_failed, read_cluster_state
from provisioning.clusters.change_calls import (
    new_pool_parameters,
    read_pool_tags,
    start_pool_add,
    start_pool_autoscale,
    start_pool_delete,
)
from provisioning.models import PoolAutoscale
from tests.arm_fixtures import SIMULATOR_RESOURCE_GROUP, managed_cluster_body

RG = SIMULATOR_RESOURCE_GROUP
TAGS = {"created-by": "aks-provisioning", "task-id": "t-1"}


@pytest.fixture
def running_cluster(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> str:
    """A Succeeded, Running cluster with one System pool of 3 nodes."""
    name = unique_cluster_name("poolcalls-")
    arm_client.managed_clusters.begin_create_or_update(RG, name, managed_cluster_body()).result()
    return name


def settle(client: ContainerServiceClient, name: str, timeout: float = 20) -> None:
    """Wait until the cluster's latest operation ended (the simulator's create takes 2 s)."""
    deadline = time.monotonic() + timeout
    while read_cluster_state(client, RG, name) not in ("Succeeded", "Failed", "Canceled"):
        assert time.monotonic() < deadline, "the operation did not end"
        time.sleep(0.2)


def test_a_new_pool_is_a_user_pool_with_max_surge_10_percent_and_the_product_tags(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    pool = new_pool_parameters("Standard_D4s_v5", 2, None, TAGS)
    assert start_pool_add(arm_client, RG, running_cluster, "work", pool) == 201
    settle(arm_client, running_cluster)
    made = arm_client.agent_pools.get(RG, running_cluster, "work")
    assert (made.mode, made.count, made.vm_size) == ("User", 2, "Standard_D4s_v5")
    assert made.upgrade_settings.max_surge == "10%"
    assert read_pool_tags(arm_client, RG, running_cluster, "work") == TAGS


def test_an_autoscaled_pool_starts_at_its_minimum(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    pool = new_pool_parameters("Standard_D4s_v5", None, PoolAutoscale(2, 5), TAGS)
    start_pool_add(arm_client, RG, running_cluster, "auto", pool)
    settle(arm_client, running_cluster)
    made = arm_client.agent_pools.get(RG, running_cluster, "auto")
    assert (made.enable_auto_scaling, made.min_count, made.max_count, made.count) == (
        True,
        2,
        5,
        2,
    )


def test_adding_a_pool_whose_name_exists_is_412_and_changes_nothing(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    pool = new_pool_parameters("Standard_D4s_v5", 7, None, TAGS)
    with pytest.raises(HttpResponseError) as caught:
        start_pool_add(arm_client, RG, running_cluster, "system", pool)
    assert is_precondition_failed(caught.value)
    system = arm_client.agent_pools.get(RG, running_cluster, "system")
    assert (system.count, system.vm_size) == (3, "Standard_D2s_v3")


def test_autoscale_on_keeps_the_count_and_off_sets_one(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    start_pool_autoscale(arm_client, RG, running_cluster, "system", PoolAutoscale(1, 4), None)
    settle(arm_client, running_cluster)
    pool = arm_client.agent_pools.get(RG, running_cluster, "system")
    assert (pool.enable_auto_scaling, pool.min_count, pool.max_count, pool.count) == (
        True,
        1,
        4,
        3,
    )
    start_pool_autoscale(arm_client, RG, running_cluster, "system", PoolAutoscale(2, 6), None)
    settle(arm_client, running_cluster)
    pool = arm_client.agent_pools.get(RG, running_cluster, "system")
    assert (pool.min_count, pool.max_count) == (2, 6)
    start_pool_autoscale(arm_client, RG, running_cluster, "system", None, 2)
    settle(arm_client, running_cluster)
    pool = arm_client.agent_pools.get(RG, running_cluster, "system")
    assert (bool(pool.enable_auto_scaling), pool.min_count, pool.count) == (False, None, 2)


def test_pool_delete_is_accepted_then_the_pool_is_gone(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    pool = new_pool_parameters("Standard_D4s_v5", 1, None, TAGS)
    start_pool_add(arm_client, RG, running_cluster, "work", pool)
    settle(arm_client, running_cluster)
    assert start_pool_delete(arm_client, RG, running_cluster, "work") == 202
    settle(arm_client, running_cluster)
    assert [p.name for p in arm_client.agent_pools.list(RG, running_cluster)] == ["system"]
    assert start_pool_delete(arm_client, RG, running_cluster, "work") == 204
