"""clusters.access_grants: deterministic assignment names, the admin's commands, the warning."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from provisioning.clusters.access_grants import (
    ACCESS_ROLES,
    CLUSTER_ADMIN_ROLE,
    CLUSTER_USER_ROLE,
    BuiltInRole,
    access_not_granted,
    assignment_name,
    connect_commands,
    grant_commands,
    is_object_id,
    role_definition_id,
)
from provisioning.models import AccessMode, ErrorCategory
from provisioning.portal_links import cluster_resource_id

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = cluster_resource_id("sub-1", "rg-a", "demo")
OWNER = "5f0c2b1e-9d4a-4c3e-8b7a-1e2d3c4b5a69"


def test_an_assignment_name_is_a_guid_fixed_by_cluster_principal_and_role() -> None:
    name = assignment_name(CLUSTER, OWNER, CLUSTER_ADMIN_ROLE)

    assert uuid.UUID(name).version == 5
    assert assignment_name(CLUSTER, OWNER, CLUSTER_ADMIN_ROLE) == name
    assert assignment_name(CLUSTER.upper(), OWNER.upper(), CLUSTER_ADMIN_ROLE) == name


@pytest.mark.parametrize(
    ("cluster", "principal", "role"),
    [
        (cluster_resource_id("sub-1", "rg-a", "other"), OWNER, CLUSTER_ADMIN_ROLE),
        # A fixed other principal: pytest-xdist needs the same test ids in every worker.
        (CLUSTER, "0c8a3f4e-2b6d-4f1a-9e7c-5d3b2a1f0e9d", CLUSTER_ADMIN_ROLE),
        (CLUSTER, OWNER, CLUSTER_USER_ROLE),
    ],
)
def test_any_other_cluster_principal_or_role_gets_another_name(
    cluster: str, principal: str, role: BuiltInRole
) -> None:
    assert assignment_name(cluster, principal, role) != assignment_name(
        CLUSTER, OWNER, CLUSTER_ADMIN_ROLE
    )


def test_the_roles_are_the_two_built_in_aks_access_roles() -> None:
    assert {(role.name, role.id) for role in ACCESS_ROLES} == {
        ("Azure Kubernetes Service RBAC Cluster Admin", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
        ("Azure Kubernetes Service Cluster User Role", "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"),
    }
    assert role_definition_id("sub-1", CLUSTER_USER_ROLE) == (
        "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/"
        "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
    )


def test_the_admin_commands_assign_each_role_to_the_user_at_the_cluster_scope() -> None:
    assert grant_commands(CLUSTER, OWNER) == tuple(
        f"az role assignment create --assignee-object-id {OWNER} --assignee-principal-type "
        f"User --role {role.id} --scope {CLUSTER}"
        for role in ACCESS_ROLES
    )


def test_an_id_that_is_no_object_id_is_never_put_in_a_command() -> None:
    assert not is_object_id("swa-user; rm -rf /")
    assert all("rm -rf" not in c for c in grant_commands(CLUSTER, "swa-user; rm -rf /"))
    assert is_object_id(OWNER)


def test_the_warning_offers_grant_access_with_the_commands_and_the_iam_page() -> None:
    warning = access_not_granted(CLUSTER, OWNER, "Azure answered AuthorizationFailed")

    assert (warning.code, warning.category, warning.retryable) == (
        "AccessNotGranted",
        ErrorCategory.PERMISSION,
        False,
    )
    assert "AuthorizationFailed" in warning.message
    (action,) = warning.actions
    assert (action.kind, action.label) == ("grant_access", "Grant access")
    assert action.url is not None and action.url.endswith(f"/resource{CLUSTER}/users")
    assert action.commands == grant_commands(CLUSTER, OWNER)
    assert action.to_dict()["commands"] == list(grant_commands(CLUSTER, OWNER))


def test_connect_commands_add_kubelogin_only_for_entra() -> None:
    get = "az aks get-credentials --resource-group rg-a --name demo --subscription sub-1"
    assert connect_commands("sub-1", "rg-a", "demo", AccessMode.ENTRA) == [
        get,
        "kubelogin convert-kubeconfig -l azurecli",
    ]
    assert connect_commands("sub-1", "rg-a", "demo", AccessMode.LOCAL) == [get]


PRODUCT_CODE = ("function_app.py", "api", "activities", "orchestrators", "provisioning")


def test_no_code_path_asks_for_the_admin_credential() -> None:
    files = [ROOT / "function_app.py"] + [
        path for folder in PRODUCT_CODE[1:] for path in (ROOT / folder).rglob("*.py")
    ]
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        for call in ("list_cluster_admin_credential", "listclusteradmincredential", "clusteradmin"):
            assert call not in text, f"{path.relative_to(ROOT)} mentions {call}"
