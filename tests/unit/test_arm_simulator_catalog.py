"""The simulator's catalog rules: regions, VM sizes and restrictions, usage arithmetic, versions."""

from __future__ import annotations

import pytest

from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.kubernetes_versions import (
    kubernetes_versions_document,
    require_upgrade,
    same_version,
    upgrades_from,
)
from local.arm_simulator.regions import REGIONS, provider_document, zones_of
from local.arm_simulator.resource_groups import granted_actions, resource_group_document
from local.arm_simulator.usages import PoolNodes, QuotaLimits, usages_document, vcpus_in_use
from local.arm_simulator.vm_sizes import (
    VM_SIZES,
    resource_sku_document,
    restrictions_for,
    vm_size,
)

SUB = "00000000-0000-0000-0000-000000000000"


def test_region_names_are_unique_and_include_the_required_ones() -> None:
    names = [region.name for region in REGIONS]
    assert len(names) == len(set(names)) >= 15
    assert {"eastus", "westus2", "westus3", "westeurope", "swedencentral"} <= set(names)


def test_only_the_container_service_provider_offers_managed_clusters() -> None:
    offered = provider_document(SUB, "microsoft.containerservice")["resourceTypes"]
    assert offered[0]["resourceType"] == "managedClusters"
    assert "East US" in offered[0]["locations"]
    assert provider_document(SUB, "Microsoft.Compute")["resourceTypes"] == []


def test_regions_without_zones_offer_none() -> None:
    assert zones_of("westus") == ()
    assert zones_of("East US") == ("1", "2", "3")


@pytest.mark.parametrize(
    ("size", "family"),
    [
        ("Standard_D4s_v5", "standardDSv5Family"),
        ("Standard_D2s_v3", "standardDSv3Family"),
        ("Standard_DS2_v2", "standardDSv2Family"),
        ("standard_b2s", "standardBSFamily"),
    ],
)
def test_vm_families_match_compute_usage_names(size: str, family: str) -> None:
    assert vm_size(size).family == family


def test_every_family_of_a_size_has_a_usage_entry() -> None:
    usage_names = {u["name"]["value"] for u in usages_document([], QuotaLimits())["value"]}
    assert {size.family for size in VM_SIZES} | {"cores"} == usage_names


def test_d8s_v5_is_location_restricted_only_in_westus3() -> None:
    [restriction] = restrictions_for("Standard_D8s_v5", "westus3")
    assert (restriction.kind, restriction.reason_code) == (
        "Location",
        "NotAvailableForSubscription",
    )
    assert restrictions_for("Standard_D8s_v5", "eastus") == []


def test_zone_restriction_document_names_the_restricted_zones() -> None:
    document = resource_sku_document(vm_size("Standard_D4s_v5"), "eastus")
    assert document["restrictions"] == [
        {
            "type": "Zone",
            "values": ["eastus"],
            "restrictionInfo": {"locations": ["eastus"], "zones": ["3"]},
            "reasonCode": "NotAvailableForSubscription",
        }
    ]


def test_usage_is_vcpus_times_nodes_per_family_and_in_total() -> None:
    used = vcpus_in_use(
        [
            PoolNodes("Standard_D4s_v5", 3),
            PoolNodes("Standard_D8s_v5", 1),
            PoolNodes("Standard_D2s_v3", 2),
        ]
    )
    assert used == {"cores": 24, "standardDSv5Family": 20, "standardDSv3Family": 4}


def test_usages_report_the_configured_limits() -> None:
    document = usages_document([PoolNodes("Standard_D4s_v5", 2)], QuotaLimits(20, 30))
    by_name = {u["name"]["value"]: u for u in document["value"]}
    assert (by_name["cores"]["currentValue"], by_name["cores"]["limit"]) == (8, 30)
    assert by_name["cores"]["name"]["localizedValue"] == "Total Regional vCPUs"
    family = by_name["standardDSv5Family"]
    assert (family["currentValue"], family["limit"]) == (8, 20)


def test_quota_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARM_SIMULATOR_FAMILY_VCPU_LIMIT", "12")
    monkeypatch.delenv("ARM_SIMULATOR_REGIONAL_VCPU_LIMIT", raising=False)
    assert QuotaLimits.from_env() == QuotaLimits(family_vcpus=12, regional_vcpus=96)


def test_a_non_numeric_quota_limit_is_rejected_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARM_SIMULATOR_REGIONAL_VCPU_LIMIT", "lots")
    with pytest.raises(ValueError, match="ARM_SIMULATOR_REGIONAL_VCPU_LIMIT"):
        QuotaLimits.from_env()


@pytest.mark.parametrize(
    ("group", "actions"),
    [("rg-a", ("*",)), ("readonly-a", ("*/read",)), ("ReadOnly-B", ("*/read",))],
)
def test_readonly_groups_grant_only_reads(group: str, actions: tuple[str, ...]) -> None:
    assert granted_actions(group) == actions


def test_missing_rg_is_not_found() -> None:
    with pytest.raises(ArmError) as caught:
        resource_group_document(SUB, "missing-rg")
    assert (caught.value.status, caught.value.code) == (404, "ResourceGroupNotFound")


def test_versions_have_three_ga_minors_one_default_and_one_preview() -> None:
    values = kubernetes_versions_document()["values"]
    assert len([v for v in values if not v["isPreview"]]) >= 3
    assert [v["version"] for v in values if v["isDefault"]] == ["1.32"]
    assert [v["version"] for v in values if v["isPreview"]] == ["1.34"]


def test_a_cluster_may_upgrade_to_any_newer_ga_version_only() -> None:
    assert upgrades_from("1.31.10") == ["1.32.5", "1.32.6", "1.33.1", "1.33.2"]
    assert upgrades_from("1.33.2") == []


def test_a_minor_version_names_the_current_patch() -> None:
    assert same_version("1.32.6", "1.32")
    assert not same_version("1.32.6", "1.33")


@pytest.mark.parametrize(
    ("target", "code"),
    [("1.99.0", "AgentPoolK8sVersionNotSupported"), ("1.31.9", "InvalidParameter")],
)
def test_unknown_or_older_target_versions_are_refused(target: str, code: str) -> None:
    with pytest.raises(ArmError) as caught:
        require_upgrade("1.32.6", target)
    assert (caught.value.status, caught.value.code) == (400, code)
