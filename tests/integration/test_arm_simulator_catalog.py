"""What preflight reads from the simulator, through the real resource, compute and auth SDKs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from local.arm_simulator.process import (
    arm_simulator_base_url,
    certificate_path,
    start_arm_simulator,
)
from local.processes import free_port
from tests.arm_fixtures import (
    SIMULATOR_RESOURCE_GROUP,
    SIMULATOR_SUBSCRIPTION_ID,
    SIMULATOR_TEST_ENV,
    ArmSimulator,
    make_compute_client,
    managed_cluster_body,
)

REQUIRED_REGIONS = {"eastus", "westus2", "westus3", "westeurope", "swedencentral"}


def test_subscription_lists_at_least_15_regions_with_display_names(
    subscription_client: SubscriptionClient,
) -> None:
    locations = list(subscription_client.subscriptions.list_locations(SIMULATOR_SUBSCRIPTION_ID))
    names = {location.name for location in locations}
    assert len(locations) >= 15
    assert REQUIRED_REGIONS <= names
    east = next(location for location in locations if location.name == "eastus")
    assert east.display_name == "East US"
    assert east.metadata.region_type == "Physical"


def test_container_service_provider_offers_managed_clusters_in_every_region(
    resource_client: ResourceManagementClient, subscription_client: SubscriptionClient
) -> None:
    provider = resource_client.providers.get("Microsoft.ContainerService")
    managed = next(t for t in provider.resource_types if t.resource_type == "managedClusters")
    displays = {
        location.display_name
        for location in subscription_client.subscriptions.list_locations(SIMULATOR_SUBSCRIPTION_ID)
    }
    assert provider.registration_state == "Registered"
    assert set(managed.locations) == displays
    assert "West US 3" in managed.locations


def test_every_resource_group_exists_in_eastus_except_missing_rg(
    resource_client: ResourceManagementClient,
) -> None:
    group = resource_client.resource_groups.get("rg-anything")
    assert (group.name, group.location) == ("rg-anything", "eastus")
    assert group.properties.provisioning_state == "Succeeded"
    with pytest.raises(ResourceNotFoundError) as caught:
        resource_client.resource_groups.get("missing-rg")
    assert caught.value.error.code == "ResourceGroupNotFound"


@pytest.mark.parametrize(
    ("resource_group", "actions"),
    [("rg-anything", ["*"]), ("readonly-team", ["*/read"])],
)
def test_permissions_grant_everything_except_in_readonly_groups(
    authorization_client: AuthorizationManagementClient,
    resource_group: str,
    actions: list[str],
) -> None:
    permissions = list(authorization_client.permissions.list_for_resource_group(resource_group))
    assert [p.actions for p in permissions] == [actions]
    assert [p.not_actions for p in permissions] == [[]]


def test_resource_skus_of_a_region_list_at_least_8_vm_sizes_with_capabilities_and_zones(
    compute_client: ComputeManagementClient,
) -> None:
    skus = list(compute_client.resource_skus.list(filter="location eq 'westeurope'"))
    vms = [sku for sku in skus if sku.resource_type == "virtualMachines"]
    assert len(vms) >= 8
    assert {tuple(sku.locations) for sku in vms} == {("westeurope",)}
    d4 = next(sku for sku in vms if sku.name == "Standard_D4s_v5")
    capabilities = {c.name: c.value for c in d4.capabilities}
    assert (capabilities["vCPUs"], capabilities["MemoryGB"]) == ("4", "16")
    assert d4.family == "standardDSv5Family"
    assert sorted(d4.location_info[0].zones) == ["1", "2", "3"]


def test_d8s_v5_in_westus3_carries_a_location_restriction(
    compute_client: ComputeManagementClient,
) -> None:
    skus = list(compute_client.resource_skus.list(filter="location eq 'westus3'"))
    d8 = next(sku for sku in skus if sku.name == "Standard_D8s_v5")
    [restriction] = d8.restrictions
    assert restriction.type == "Location"
    assert restriction.reason_code == "NotAvailableForSubscription"
    assert restriction.restriction_info.locations == ["westus3"]
    assert not next(sku for sku in skus if sku.name == "Standard_D4s_v5").restrictions


def test_d4s_v5_in_eastus_carries_a_zone_restriction_on_zone_3(
    compute_client: ComputeManagementClient,
) -> None:
    skus = list(compute_client.resource_skus.list(filter="location eq 'eastus'"))
    d4 = next(sku for sku in skus if sku.name == "Standard_D4s_v5")
    [restriction] = d4.restrictions
    assert restriction.type == "Zone"
    assert restriction.restriction_info.zones == ["3"]


def test_usages_report_family_and_regional_limits_and_count_existing_clusters(
    compute_client: ComputeManagementClient,
    arm_client: ContainerServiceClient,
    unique_cluster_name: Callable[[str], str],
) -> None:
    def used() -> dict[str, tuple[int, int]]:
        usages = compute_client.usage.list("japaneast")
        return {u.name.value: (u.current_value, u.limit) for u in usages}

    before = used()
    limits = SIMULATOR_TEST_ENV  # the session simulator's limits (tests/arm_fixtures.py)
    assert before["cores"][1] == int(limits["ARM_SIMULATOR_REGIONAL_VCPU_LIMIT"])
    assert before["standardDSv5Family"][1] == int(limits["ARM_SIMULATOR_FAMILY_VCPU_LIMIT"])
    body = managed_cluster_body("Standard_D4s_v5", count=3, location="japaneast")
    arm_client.managed_clusters.begin_create_or_update(
        SIMULATOR_RESOURCE_GROUP, unique_cluster_name("usage-"), body
    ).result()
    after = used()
    assert after["standardDSv5Family"][0] == before["standardDSv5Family"][0] + 12
    assert after["cores"][0] == before["cores"][0] + 12
    assert after["standardDSv3Family"][0] == before["standardDSv3Family"][0]


def test_kubernetes_versions_offer_three_ga_one_default_and_one_preview(
    arm_client: ContainerServiceClient,
) -> None:
    listed = arm_client.managed_clusters.list_kubernetes_versions("swedencentral")
    versions = listed.values_property
    ga = [v for v in versions if not v.is_preview]
    assert len(ga) >= 3
    assert [v.version for v in versions if v.is_default] == ["1.32"]
    assert [v.version for v in versions if v.is_preview] == ["1.34"]
    patches = next(v for v in versions if v.version == "1.32").patch_versions
    assert "1.33.2" in patches["1.32.6"].upgrades
    assert "1.34.0" not in patches["1.32.6"].upgrades


def test_quota_limits_follow_the_simulator_environment(tmp_path: Path) -> None:
    env = {"ARM_SIMULATOR_FAMILY_VCPU_LIMIT": "20", "ARM_SIMULATOR_REGIONAL_VCPU_LIMIT": "30"}
    data_dir = tmp_path / "arm-simulator"
    child = start_arm_simulator(data_dir, free_port(), log_path=tmp_path / "sim.log", env=env)
    simulator = ArmSimulator(
        arm_simulator_base_url(child.port), certificate_path(data_dir), child.port, data_dir
    )
    try:
        with make_compute_client(simulator) as client:
            limits = {u.name.value: u.limit for u in client.usage.list("eastus")}
    finally:
        child.stop()
    assert (limits["cores"], limits["standardDSv5Family"]) == (30, 20)
