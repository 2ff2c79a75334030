"""The preflight check table on hand-built facts: quota arithmetic, zones, notActions, versions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provisioning.catalog.azure import KubernetesVersion, Permission, Usage, VmSize
from provisioning.clusters.access_grants import ROLE_ASSIGNMENT_WRITE, delegation_command
from provisioning.clusters.ownership import ExistingCluster, product_tags
from provisioning.models import AccessMode
from provisioning.preflight.checks import (
    PREFLIGHT_CHECKS,
    CheckStatus,
    Fetched,
    PoolRequest,
    PreflightFacts,
    action_matches,
    is_permitted,
    quota_summary,
    run_checks,
)

D2 = VmSize("Standard_D2s_v5", 2, 8.0, "standardDSv5Family", ("1", "2", "3"), True, None)
D4 = VmSize("Standard_D4s_v5", 4, 16.0, "standardDSv5Family", ("1", "2"), True, None)
E4 = VmSize("Standard_E4s_v5", 4, 32.0, "standardESv5Family", ("3",), True, None)
D8_BLOCKED = VmSize(
    "Standard_D8s_v5", 8, 32.0, "standardDSv5Family", (), False, "NotAvailableForSubscription"
)
VERSIONS = (
    KubernetesVersion("1.34", False, True, ("1.34.0",)),
    KubernetesVersion("1.33", False, False, ("1.33.2",)),
    KubernetesVersion("1.32", True, False, ("1.32.6",)),
)


def usages(
    family_used: int = 0,
    family_limit: int = 48,
    cores_used: int = 0,
    cores_limit: int = 96,
    e_used: int = 0,
) -> dict[str, Usage]:
    return {
        "standardDSv5Family": Usage("standardDSv5Family", family_used, family_limit),
        "standardESv5Family": Usage("standardESv5Family", e_used, 48),
        "cores": Usage("cores", cores_used, cores_limit),
    }


def facts(*pools: PoolRequest, **changes: object) -> PreflightFacts:
    base = PreflightFacts(
        subscription_id="sub-1",
        region="eastus",
        resource_group="rg-a",
        cluster_name="demo",
        kubernetes_version=None,
        owner_id="owner-1",
        pools=pools or (PoolRequest("system", "System", "Standard_D2s_v5", 3),),
        vm_sizes=Fetched((D2, D4, E4, D8_BLOCKED)),
        usages=Fetched(usages()),
        resource_group_location=Fetched("eastus"),
        permissions=Fetched((Permission(("*",), ()),)),
        kubernetes_versions=Fetched(VERSIONS),
        existing_cluster=Fetched(None),
        app_identity="client-id-1",
    )
    return replace(base, **changes)


def by_id(checked: PreflightFacts) -> dict[str, object]:
    return {result.id: result for result in run_checks(checked)}


def test_the_checks_run_in_the_design_order() -> None:
    assert [check.id for check in PREFLIGHT_CHECKS] == [
        "vm_size",
        "quota",
        "resource_group",
        "permission",
        "kubernetes_version",
        "cluster_name",
    ]
    assert [r.id for r in run_checks(facts())] == [c.id for c in PREFLIGHT_CHECKS]


def test_a_request_that_fits_passes_every_check() -> None:
    assert {r.status for r in run_checks(facts())} == {CheckStatus.PASS}


def test_an_unavailable_size_fails_naming_size_and_region() -> None:
    result = by_id(facts(PoolRequest("system", "System", "Standard_D8s_v5", 1)))["vm_size"]
    assert result.status is CheckStatus.FAIL
    assert "Standard_D8s_v5" in result.message and "eastus" in result.message
    assert "NotAvailableForSubscription" in result.message
    assert [a.label for a in result.actions] == ["Choose another VM size"]


def test_a_size_not_offered_in_the_region_fails_and_quota_is_unknown() -> None:
    checked = by_id(facts(PoolRequest("system", "System", "Standard_NC6", 1)))
    assert checked["vm_size"].status is CheckStatus.FAIL
    assert "not offered in eastus" in checked["vm_size"].message
    assert checked["quota"].status is CheckStatus.UNKNOWN


def test_zone_restrictions_show_only_the_zones_left() -> None:
    result = by_id(facts(PoolRequest("system", "System", "Standard_D4s_v5", 1)))["vm_size"]
    assert "zones 1, 2" in result.message and "3" not in result.message.split("zones")[1]


def test_quota_adds_both_pools_of_one_family_and_the_regional_total() -> None:
    system = PoolRequest("system", "System", "Standard_D4s_v5", 5)  # 20 vCPUs
    workload = PoolRequest("workload", "User", "Standard_D2s_v5", 6)  # 12 vCPUs
    summary = quota_summary(facts(system, workload, usages=Fetched(usages(family_used=20))))
    assert summary is not None
    assert summary.needed_vcpus == 32
    assert summary.available_vcpus == 28  # 48 - 20 in the family; 96 regionally
    assert summary.exceeded == ("standardDSv5Family",)
    assert summary.max_nodes == 4  # (28 free - 12 for the workload pool) // 4


def test_the_regional_limit_binds_when_families_differ() -> None:
    system = PoolRequest("system", "System", "Standard_D4s_v5", 10)  # 40 DSv5
    workload = PoolRequest("workload", "User", "Standard_E4s_v5", 10)  # 40 ESv5
    checked = facts(system, workload, usages=Fetched(usages(cores_used=30)))
    summary = quota_summary(checked)
    assert summary is not None
    assert summary.exceeded == ("cores",)  # 30 + 80 > 96, each family fits
    assert summary.available_vcpus == 48  # min(48 DSv5, 48 ESv5, 66 regional)
    assert summary.max_nodes == 6  # regional: 66 free - 40 for the workload = 26 // 4
    result = by_id(checked)["quota"]
    assert result.status is CheckStatus.FAIL
    assert "Total Regional vCPUs" in result.message
    apply, link = result.actions
    assert (apply.kind, apply.label, apply.value) == ("apply_nodes", "Apply 6 nodes", 6)
    assert link.label == "Request quota increase"
    assert link.url and "subscriptionId=sub-1" in link.url and "location=eastus" in link.url


def test_no_apply_action_when_not_even_one_node_fits() -> None:
    checked = facts(
        PoolRequest("system", "System", "Standard_D4s_v5", 3),
        usages=Fetched(usages(family_used=47)),
    )
    result = by_id(checked)["quota"]
    assert result.status is CheckStatus.FAIL
    assert [a.kind for a in result.actions] == ["link"]
    assert quota_summary(checked).max_nodes == 0


def test_a_missing_resource_group_fails_and_another_location_warns() -> None:
    missing = by_id(facts(resource_group_location=Fetched(None)))["resource_group"]
    elsewhere = by_id(facts(resource_group_location=Fetched("westus")))["resource_group"]
    assert missing.status is CheckStatus.FAIL and "'rg-a' does not exist" in missing.message
    assert elsewhere.status is CheckStatus.WARN and "westus" in elsewhere.message


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        ((Permission(("*",), ()),), True),
        ((Permission(("*/read",), ()),), False),
        ((Permission(("Microsoft.ContainerService/*",), ()),), True),
        ((Permission(("*",), ("Microsoft.ContainerService/managedClusters/*",)),), False),
        (
            (
                Permission(("*",), ("Microsoft.ContainerService/managedClusters/*",)),
                Permission(("microsoft.containerservice/managedclusters/write",), ()),
            ),
            True,
        ),
        ((), False),
    ],
)
def test_permission_honours_wildcards_and_not_actions(
    permissions: tuple[Permission, ...], allowed: bool
) -> None:
    assert is_permitted(permissions, "Microsoft.ContainerService/managedClusters/write") is allowed


def test_missing_permission_fails_with_the_exact_role_assignment_command() -> None:
    result = by_id(facts(permissions=Fetched((Permission(("*/read",), ()),))))["permission"]
    assert result.status is CheckStatus.FAIL
    action, grant = result.actions
    assert action.value == (
        'az role assignment create --assignee client-id-1 --role "Azure Kubernetes Service '
        'Contributor Role" --scope /subscriptions/sub-1/resourceGroups/rg-a'
    )
    assert grant.value == delegation_command(
        "client-id-1", "/subscriptions/sub-1/resourceGroups/rg-a"
    )


# Azure's built-in Contributor: everything but Microsoft.Authorization writes and deletes.
CONTRIBUTOR = Permission(
    ("*",),
    (
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
    ),
)


def test_an_app_that_cannot_assign_roles_warns_that_it_cannot_grant_you_access() -> None:
    result = by_id(facts(permissions=Fetched((CONTRIBUTOR,))))["permission"]

    assert result.status is CheckStatus.WARN
    assert "Microsoft.Authorization/roleAssignments/write" in result.message
    (action,) = result.actions
    assert action.kind == "command"
    assert action.value.startswith(
        "az role assignment create --assignee client-id-1 "
        '--role "Role Based Access Control Administrator" '
        "--scope /subscriptions/sub-1/resourceGroups/rg-a --condition "
    )
    assert action.value.endswith("--condition-version 2.0")


def test_a_local_accounts_cluster_needs_no_grant_so_the_same_rights_pass() -> None:
    result = by_id(facts(permissions=Fetched((CONTRIBUTOR,)), access=AccessMode.LOCAL))
    assert result["permission"].status is CheckStatus.PASS


def test_an_app_that_may_assign_roles_passes_and_says_it_will_grant_access() -> None:
    granted = Permission(
        ("Microsoft.ContainerService/managedClusters/*", ROLE_ASSIGNMENT_WRITE), ()
    )
    result = by_id(facts(permissions=Fetched((granted,))))["permission"]
    assert result.status is CheckStatus.PASS
    assert "grant you access" in result.message


def test_action_wildcards_match_whole_segments_case_insensitively() -> None:
    assert action_matches("*/write", "Microsoft.ContainerService/managedClusters/write")
    assert not action_matches("*/read", "Microsoft.ContainerService/managedClusters/write")
    assert not action_matches("Microsoft.Compute/*", "Microsoft.ContainerService/x/write")


@pytest.mark.parametrize(
    ("version", "status"),
    [
        (None, CheckStatus.PASS),
        ("1.33", CheckStatus.PASS),
        ("1.32.6", CheckStatus.PASS),
        ("1.34", CheckStatus.WARN),
        ("1.29", CheckStatus.FAIL),
        ("1.32.99", CheckStatus.FAIL),
    ],
)
def test_kubernetes_version_rules(version: str | None, status: CheckStatus) -> None:
    result = by_id(facts(kubernetes_version=version))["kubernetes_version"]
    assert result.status is status
    if version is None:
        assert "1.32" in result.message  # names the default


def test_cluster_name_fails_for_someone_elses_and_warns_for_your_own_failed_one() -> None:
    theirs = ExistingCluster("Succeeded", '"e"', product_tags("someone-else", "t1"))
    mine_failed = ExistingCluster("Failed", '"e"', product_tags("owner-1", "t2"))
    mine_working = ExistingCluster("Succeeded", '"e"', product_tags("owner-1", "t3"))
    assert by_id(facts(existing_cluster=Fetched(theirs)))["cluster_name"].status is (
        CheckStatus.FAIL
    )
    assert by_id(facts(existing_cluster=Fetched(mine_failed)))["cluster_name"].status is (
        CheckStatus.WARN
    )
    assert by_id(facts(existing_cluster=Fetched(mine_working)))["cluster_name"].status is (
        CheckStatus.FAIL
    )


def test_a_source_that_failed_turns_only_its_checks_unknown_with_the_reason() -> None:
    checked = by_id(
        facts(
            usages=Fetched(error="Azure answered 503."),
            permissions=Fetched(error="Azure did not answer (ServiceRequestError)."),
        )
    )
    assert checked["quota"].status is CheckStatus.UNKNOWN
    assert "Azure answered 503." in checked["quota"].message
    assert checked["permission"].status is CheckStatus.UNKNOWN
    assert checked["vm_size"].status is CheckStatus.PASS
    assert checked["cluster_name"].status is CheckStatus.PASS
