"""Lifecycle ARM calls and the cluster list through the real AKS SDK against the simulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.catalog.azure import read_kubernetes_versions, upgrades_for
from provisioning.clusters.change_calls import (
    start_cluster_start,
    start_cluster_stop,
    start_cluster_upgrade,
    start_pool_scale,
)
from provisioning.clusters.inventory import ClusterView, read_all_clusters, read_one_cluster
from provisioning.clusters.ownership import product_tags
from tests.arm_fixtures import managed_cluster_body

GROUP = "rg-lifecycle"


def settled(
    client: ContainerServiceClient,
    name: str,
    done: Callable[[ClusterView], bool] = lambda v: v.provisioning_state == "Succeeded",
    limit: float = 60,
) -> ClusterView:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        view = read_one_cluster(client, GROUP, name)
        if view is not None and done(view):
            return view
        time.sleep(0.2)
    raise AssertionError(f"{name} did not settle: {read_one_cluster(client, GROUP, name)}")


@pytest.fixture
def running_cluster(arm_client: ContainerServiceClient) -> str:
    name = f"life-{uuid.uuid4().hex[:8]}"
    body = managed_cluster_body(
        count=2, tags=product_tags("owner-life", "2516614703999999999-aaaaaaaaaaaa")
    )
    arm_client.managed_clusters.begin_create_or_update(GROUP, name, body).result()
    return name


def test_the_list_maps_pools_power_state_and_tags(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    views = {view.name: view for view in read_all_clusters(arm_client)}

    view = views[running_cluster]
    assert (view.resource_group, view.region) == (GROUP, "eastus")
    assert (view.provisioning_state, view.power_state) == ("Succeeded", "Running")
    assert view.node_count == 2 and view.node_pools[0].mode == "System"
    assert view.tags["task-id"] == "2516614703999999999-aaaaaaaaaaaa"
    assert view.kubernetes_version == "1.32.6"


def test_stop_then_start_flip_the_power_state(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    assert start_cluster_stop(arm_client, GROUP, running_cluster) in (200, 202)
    stopped = settled(
        arm_client,
        running_cluster,
        lambda v: v.provisioning_state == "Succeeded" and v.power_state == "Stopped",
    )
    assert start_cluster_start(arm_client, GROUP, running_cluster) in (200, 202)
    started = settled(
        arm_client,
        running_cluster,
        lambda v: v.provisioning_state == "Succeeded" and v.power_state == "Running",
    )
    assert (stopped.power_state, started.power_state) == ("Stopped", "Running")


def test_scale_changes_one_pool_and_a_stopped_cluster_refuses_it(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    start_pool_scale(arm_client, GROUP, running_cluster, "system", 4)
    scaled = settled(
        arm_client,
        running_cluster,
        lambda v: v.provisioning_state == "Succeeded" and v.node_count == 4,
    )
    assert scaled.pool("system").count == 4

    start_cluster_stop(arm_client, GROUP, running_cluster)
    settled(
        arm_client,
        running_cluster,
        lambda v: v.power_state == "Stopped" and v.provisioning_state == "Succeeded",
    )
    with pytest.raises(HttpResponseError) as refused:
        start_pool_scale(arm_client, GROUP, running_cluster, "system", 2)
    assert refused.value.error.code == "OperationNotAllowed"


def test_upgrade_goes_to_a_version_the_catalog_offers_for_the_cluster(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    before = read_one_cluster(arm_client, GROUP, running_cluster)
    assert before is not None
    versions = read_kubernetes_versions(arm_client, before.region)
    upgrades = upgrades_for(before.kubernetes_version, versions)
    assert "1.33.2" in upgrades and not any(u.startswith("1.34") for u in upgrades)

    start_cluster_upgrade(arm_client, GROUP, running_cluster, "1.33.2", before.etag)
    after = settled(
        arm_client,
        running_cluster,
        lambda v: v.provisioning_state == "Succeeded" and v.kubernetes_version == "1.33.2",
    )
    assert after.kubernetes_version == "1.33.2"


def test_upgrade_with_a_stale_etag_is_refused(
    arm_client: ContainerServiceClient, running_cluster: str
) -> None:
    with pytest.raises(HttpResponseError) as refused:
        start_cluster_upgrade(arm_client, GROUP, running_cluster, "1.33.2", '"stale"')
    assert refused.value.status_code == 412
