"""The node-pool submit steps (operations.change_work) against the simulator, real SDK."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.clusters.arm_calls import read_cluster_state
from provisioning.clusters.change_calls import new_pool_parameters, start_pool_add
from provisioning.clusters.ownership import product_tags
from provisioning.models import ClusterChange, PoolAutoscale, ProvisionRequest, TaskType
from provisioning.operations.change_work import submit_cluster_change
from provisioning.operations.messages import OperationInput
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID, managed_cluster_body

GROUP = "rg-pool-work"
OWNER = "owner-pools"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def cluster(arm_client: ContainerServiceClient) -> str:
    """A running cluster of OWNER's with one System pool."""
    name = f"poolwork-{uuid.uuid4().hex[:8]}"
    body = managed_cluster_body(tags=product_tags(OWNER, "2516614703999999999-bbbbbbbbbbbb"))
    arm_client.managed_clusters.begin_create_or_update(GROUP, name, body).result()
    return name


def attempt(
    name: str, task_type: TaskType, change: ClusterChange, owner: str = OWNER
) -> OperationInput:
    request = ProvisionRequest(
        SIMULATOR_SUBSCRIPTION_ID, GROUP, name, "eastus", "Standard_D2s_v3", 1, None
    )
    return OperationInput(
        task_id=f"25166147039{uuid.uuid4().int % 10**8:08d}-{uuid.uuid4().hex[:12]}",
        owner_id=owner,
        type=task_type,
        created_at=NOW,
        request=request,
        target_task_id=None,
        poll_seconds=1,
        deadline_minutes=5,
        portal_url="https://portal.example",
        change=change,
    )


def settle(client: ContainerServiceClient, name: str) -> None:
    deadline = time.monotonic() + 20
    while read_cluster_state(client, GROUP, name) != "Succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.2)


ADD = ClusterChange(node_pool="work", vm_size="Standard_D4s_v5", node_count=1)


def test_a_pool_add_is_accepted_and_a_rerun_of_it_carries_on(
    arm_client: ContainerServiceClient, cluster: str
) -> None:
    add = attempt(cluster, TaskType.AKS_POOL_ADD, ADD)

    first = submit_cluster_change(None, arm_client, add, now=NOW)
    settle(arm_client, cluster)
    again = submit_cluster_change(None, arm_client, add, now=NOW)

    assert (first.error, again.error) == (None, None)
    assert arm_client.agent_pools.get(GROUP, cluster, "work").tags["task-id"] == add.task_id


def test_a_pool_of_that_name_made_by_someone_else_is_left_alone(
    arm_client: ContainerServiceClient, cluster: str
) -> None:
    theirs = new_pool_parameters("Standard_D2s_v3", 3, None, {"made-by": "someone"})
    start_pool_add(arm_client, GROUP, cluster, "work", theirs)
    settle(arm_client, cluster)

    refused = submit_cluster_change(
        None, arm_client, attempt(cluster, TaskType.AKS_POOL_ADD, ADD), now=NOW
    )

    assert refused.error is not None
    assert (refused.error.code, refused.error.category) == ("PoolAlreadyExists", "conflict")
    pool = arm_client.agent_pools.get(GROUP, cluster, "work")
    assert (pool.count, pool.vm_size) == (3, "Standard_D2s_v3")


def test_autoscale_then_delete_through_the_submit_step(
    arm_client: ContainerServiceClient, cluster: str
) -> None:
    submit_cluster_change(None, arm_client, attempt(cluster, TaskType.AKS_POOL_ADD, ADD), now=NOW)
    settle(arm_client, cluster)
    on = ClusterChange(node_pool="work", autoscale=PoolAutoscale(1, 4))
    turned_on = submit_cluster_change(
        None, arm_client, attempt(cluster, TaskType.AKS_POOL_AUTOSCALE, on), now=NOW
    )
    assert turned_on.error is None
    settle(arm_client, cluster)
    assert arm_client.agent_pools.get(GROUP, cluster, "work").max_count == 4

    delete = attempt(cluster, TaskType.AKS_POOL_DELETE, ClusterChange(node_pool="work"))
    assert submit_cluster_change(None, arm_client, delete, now=NOW).error is None
    settle(arm_client, cluster)
    assert [p.name for p in arm_client.agent_pools.list(GROUP, cluster)] == ["system"]


def test_the_last_system_pool_refused_by_azure_is_a_classified_conflict(
    arm_client: ContainerServiceClient, cluster: str
) -> None:
    delete = attempt(cluster, TaskType.AKS_POOL_DELETE, ClusterChange(node_pool="system"))

    refused = submit_cluster_change(None, arm_client, delete, now=NOW)

    assert refused.error is not None
    assert (refused.error.code, refused.error.category, refused.error.retryable) == (
        "OperationNotAllowed",
        "conflict",
        False,
    )


def test_a_pool_change_on_a_cluster_that_is_not_yours_touches_nothing(
    arm_client: ContainerServiceClient, cluster: str
) -> None:
    add = replace(attempt(cluster, TaskType.AKS_POOL_ADD, ADD), owner_id="someone-else")

    refused = submit_cluster_change(None, arm_client, add, now=NOW)

    assert refused.error is not None and refused.error.code == "ClusterNotOwned"
    assert [p.name for p in arm_client.agent_pools.list(GROUP, cluster)] == ["system"]
