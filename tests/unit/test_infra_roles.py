"""The app identity's custom roles: exactly the actions the code uses, and README lists them.

No Bicep compiler runs here, so these read the templates as text; what only a deployment can
prove (ARM accepting each action name, the role's effect) is listed in README.
"""

from __future__ import annotations

import re
from pathlib import Path

from provisioning.clusters.access_grants import (
    ACCESS_ROLES,
    DELEGATION_CONDITION_VERSION,
    RBAC_ADMINISTRATOR_ROLE,
    delegation_condition,
)

ROOT = Path(__file__).resolve().parents[2]
AKS_RBAC = ROOT / "infra" / "app" / "aks-rbac.bicep"
PREFLIGHT_RBAC = ROOT / "infra" / "app" / "preflight-rbac.bicep"

CLUSTER_ACTIONS = {
    "Microsoft.ContainerService/managedClusters/read",  # get, list, tags
    "Microsoft.ContainerService/managedClusters/write",  # create, upgrade
    "Microsoft.ContainerService/managedClusters/delete",
    "Microsoft.ContainerService/managedClusters/start/action",
    "Microsoft.ContainerService/managedClusters/stop/action",
    "Microsoft.ContainerService/managedClusters/abort/action",  # cancel
    # the Entra ID kubeconfig (exec user, no secret); never listClusterAdminCredential
    "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    "Microsoft.ContainerService/managedClusters/agentPools/read",
    "Microsoft.ContainerService/managedClusters/agentPools/write",  # scale, add, autoscale
    "Microsoft.ContainerService/managedClusters/agentPools/delete",  # delete a pool
    "Microsoft.ContainerService/managedClusters/upgradeProfiles/read",
    "Microsoft.ContainerService/locations/operations/read",  # async operation status
    "Microsoft.ContainerService/locations/operationresults/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Insights/metrics/read",  # cost guardrails: node CPU of a guarded cluster
}
PREFLIGHT_ACTIONS = {
    "Microsoft.Compute/skus/read",
    "Microsoft.Compute/locations/usages/read",
    "Microsoft.Resources/subscriptions/locations/read",
    "Microsoft.Resources/subscriptions/providers/read",
    "Microsoft.ContainerService/locations/kubernetesversions/read",
    "Microsoft.Authorization/permissions/read",
}


def actions_in(template: Path, variable: str) -> set[str]:
    text = template.read_text(encoding="utf-8")
    block = re.search(rf"var {variable} = \[(.*?)\]", text, re.S)
    assert block, f"{variable} not found in {template.name}"
    return set(re.findall(r"'([^']+)'", block.group(1)))


def test_the_cluster_role_grants_exactly_the_operations_the_app_runs() -> None:
    assert actions_in(AKS_RBAC, "clusterActions") == CLUSTER_ACTIONS


def test_the_preflight_role_is_read_only_and_exactly_what_preflight_reads() -> None:
    actions = actions_in(PREFLIGHT_RBAC, "preflightActions")
    assert actions == PREFLIGHT_ACTIONS
    assert all(action.endswith("/read") for action in actions)


def test_no_wildcard_and_no_built_in_broad_role_is_assigned() -> None:
    for template in (AKS_RBAC, PREFLIGHT_RBAC):
        text = template.read_text(encoding="utf-8")
        assert "*" not in "".join(re.findall(r"'([^']+)'", text)), template.name
        for broad in (
            "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",  # Reader
            "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
        ):  # AKS Contributor
            assert broad not in text, template.name


def test_the_roles_are_assignable_only_where_they_are_used() -> None:
    assert "assignableScopes: [\n      resourceGroup().id" in AKS_RBAC.read_text(encoding="utf-8")
    preflight = PREFLIGHT_RBAC.read_text(encoding="utf-8")
    assert "targetScope = 'subscription'" in preflight
    assert "assignableScopes: [\n      subscription().id" in preflight


def test_main_deploys_both_roles_for_the_app_identity() -> None:
    main = (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8")
    assert "module aksRbac 'app/aks-rbac.bicep'" in main
    assert "module preflightRbac 'app/preflight-rbac.bicep'" in main
    assert main.count("managedIdentityPrincipalId: identity.outputs.principalId") >= 2


def test_readme_lists_every_action() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for action in CLUSTER_ACTIONS | PREFLIGHT_ACTIONS:
        assert f"`{action}`" in readme, action


def bicep_string(template: Path, variable: str) -> str:
    """A single-quoted Bicep string variable's value (its \\' escapes undone)."""
    text = template.read_text(encoding="utf-8")
    found = re.search(rf"^var {variable} = '((?:[^'\\]|\\.)*)'", text, re.M)
    assert found, f"{variable} not found in {template.name}"
    return found.group(1).replace("\\'", "'")


def test_the_delegation_condition_in_bicep_is_the_one_the_code_documents() -> None:
    assert bicep_string(AKS_RBAC, "delegationCondition") == delegation_condition()


def test_the_condition_allows_only_the_two_access_roles_and_only_users() -> None:
    condition = delegation_condition()
    writes, deletes = condition.split(") AND ((")
    for part, source, action in (
        (writes, "@Request", "roleAssignments/write"),
        (deletes, "@Resource", "roleAssignments/delete"),
    ):
        assert f"!(ActionMatches{{'Microsoft.Authorization/{action}'}})" in part
        ids = ", ".join(role.id for role in ACCESS_ROLES)
        assert (
            f"{source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
            f"ForAnyOfAnyValues:GuidEquals {{{ids}}}"
        ) in part
        assert (
            f"{source}[Microsoft.Authorization/roleAssignments:PrincipalType] "
            "ForAnyOfAnyValues:StringEqualsIgnoreCase {'User'}"
        ) in part
    assert [role.id for role in ACCESS_ROLES] == [
        "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",  # Azure Kubernetes Service RBAC Cluster Admin
        "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",  # Azure Kubernetes Service Cluster User Role
    ]


def test_the_rbac_administrator_assignment_always_carries_the_condition() -> None:
    text = AKS_RBAC.read_text(encoding="utf-8")
    assert RBAC_ADMINISTRATOR_ROLE.id == "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
    block = re.search(r"resource accessDelegation .*?\n}\n", text, re.S)
    assert block, "accessDelegation not found"
    assignment = block.group(0)
    assert "rbacAdministrator)" in assignment
    assert "condition: delegationCondition" in assignment
    assert f"conditionVersion: '{DELEGATION_CONDITION_VERSION}'" in assignment
    assert "principalId: managedIdentityPrincipalId" in assignment
    assert text.count(RBAC_ADMINISTRATOR_ROLE.id) == 1


def test_readme_lists_the_condition_and_the_two_roles() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert delegation_condition() in readme
    for role in (*ACCESS_ROLES, RBAC_ADMINISTRATOR_ROLE):
        assert role.name in readme and role.id in readme
