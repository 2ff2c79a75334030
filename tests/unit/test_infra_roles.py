"""The app identity's custom roles: exactly the actions the code uses, and README lists them.

No Bicep compiler runs here, so these read the templates as text; what only a deployment can
prove (ARM accepting each action name, the role's effect) is listed in README.
"""

from __future__ import annotations

import re
from pathlib import Path

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
    "Microsoft.ContainerService/managedClusters/agentPools/read",
    "Microsoft.ContainerService/managedClusters/agentPools/write",  # scale
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
