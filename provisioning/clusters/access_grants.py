"""Who may connect to a cluster: the two built-in roles the create grants its creator.

A create ends with "Granting you access": the caller (principal type User, their Entra object
id = the owner id) gets Azure Kubernetes Service RBAC Cluster Admin and Azure Kubernetes
Service Cluster User Role at the cluster's scope. Each assignment's name is a GUID derived
from cluster id, principal and role, so a re-run finds its own assignment instead of making
another, and a delete knows exactly which assignments the product made. When the grant is
refused, the same facts become the `az role assignment create` commands an admin can run.
See README "Connecting to a cluster".
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from provisioning.models import AccessMode, ClassifiedError, ErrorAction, ErrorCategory
from provisioning.portal_links import access_control_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltInRole:
    """An Azure built-in role: its display name and its role definition GUID (same everywhere)."""

    name: str
    id: str


CLUSTER_ADMIN_ROLE = BuiltInRole(
    "Azure Kubernetes Service RBAC Cluster Admin", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
)
CLUSTER_USER_ROLE = BuiltInRole(
    "Azure Kubernetes Service Cluster User Role", "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
)
# Kubernetes API rights (Azure RBAC for Kubernetes), and the right to download a kubeconfig.
ACCESS_ROLES: tuple[BuiltInRole, ...] = (CLUSTER_ADMIN_ROLE, CLUSTER_USER_ROLE)
PRINCIPAL_TYPE = "User"
ROLE_ASSIGNMENT_EXISTS = "RoleAssignmentExists"
# Seeds the assignment names; never change it, or re-runs and deletes lose their assignments.
ASSIGNMENT_NAMESPACE = uuid.UUID("0c7f3a52-57a4-4e0e-9d8f-8a4c1f6b2e17")
OBJECT_ID_PATTERN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
GRANT_ACTION_LABEL = "Grant access"
ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
ROLE_ASSIGNMENT_DELETE = "Microsoft.Authorization/roleAssignments/delete"
# The built-in role the app's identity holds on the AKS resource group, narrowed below.
RBAC_ADMINISTRATOR_ROLE = BuiltInRole(
    "Role Based Access Control Administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
)
ACCESS_NOT_GRANTED = "AccessNotGranted"


def delegation_condition() -> str:
    """The ABAC condition (version 2.0) on the app's Role Based Access Control Administrator.

    It may write or delete role assignments only of the two access roles, and only to
    principals of type User: "Constrain roles and principal types" (README, Azure deployment).
    infra/app/aks-rbac.bicep carries the same text (a unit test compares them).
    """
    roles = ", ".join(role.id for role in ACCESS_ROLES)
    attribute = "Microsoft.Authorization/roleAssignments"

    def allowed(action: str, source: str) -> str:
        return (
            f"((!(ActionMatches{{'{action}'}})) OR "
            f"(@{source}[{attribute}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{roles}}}"
            f" AND @{source}[{attribute}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase"
            f" {{'{PRINCIPAL_TYPE}'}}))"
        )

    writes = allowed(ROLE_ASSIGNMENT_WRITE, "Request")
    deletes = allowed(ROLE_ASSIGNMENT_DELETE, "Resource")
    return f"{writes} AND {deletes}"


DELEGATION_CONDITION_VERSION = "2.0"


def delegation_command(app_identity: str, resource_group_scope: str) -> str:
    """The `az` command that gives the app's identity its constrained grant on the group."""
    return (
        f"az role assignment create --assignee {app_identity} "
        f'--role "{RBAC_ADMINISTRATOR_ROLE.name}" --scope {resource_group_scope} '
        f'--condition "{delegation_condition()}" '
        f"--condition-version {DELEGATION_CONDITION_VERSION}"
    )


def assignment_name(cluster_id: str, principal_id: str, role: BuiltInRole) -> str:
    """The role assignment's name: the same GUID for the same cluster, principal and role."""
    seed = f"{cluster_id.lower()}|{principal_id.lower()}|{role.id}"
    return str(uuid.uuid5(ASSIGNMENT_NAMESPACE, seed))


def role_definition_id(subscription_id: str, role: BuiltInRole) -> str:
    """The role definition's ARM id, as a role assignment names it."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization"
        f"/roleDefinitions/{role.id}"
    )


def is_object_id(principal_id: str) -> bool:
    """True when the caller's id is GUID-shaped, as an Entra object id is (ARM refuses others)."""
    return OBJECT_ID_PATTERN.fullmatch(principal_id) is not None


def grant_commands(cluster_id: str, principal_id: str) -> tuple[str, ...]:
    """What an admin runs to grant the caller both roles on the cluster (one command per role)."""
    assignee = principal_id if is_object_id(principal_id) else "<the user's Entra object id>"
    return tuple(
        f"az role assignment create --assignee-object-id {assignee} "
        f"--assignee-principal-type {PRINCIPAL_TYPE} --role {role.id} --scope {cluster_id}"
        for role in ACCESS_ROLES
    )


def access_not_granted(cluster_id: str, principal_id: str, reason: str) -> ClassifiedError:
    """The warning of a create that succeeded but could not grant its creator access."""
    roles = " and ".join(f"'{role.name}'" for role in ACCESS_ROLES)
    return ClassifiedError(
        code=ACCESS_NOT_GRANTED,
        category=ErrorCategory.PERMISSION,
        message=(
            f"The cluster is ready, but the app could not grant you access to it ({reason}). "
            f"Ask an admin to assign you {roles} on the cluster with the commands under "
            "Grant access; then connect."
        ),
        retryable=False,
        actions=(
            ErrorAction(
                kind="grant_access",
                label=GRANT_ACTION_LABEL,
                url=access_control_url(cluster_id),
                commands=grant_commands(cluster_id, principal_id),
            ),
        ),
    )


def connect_commands(
    subscription_id: str, resource_group: str, cluster_name: str, mode: AccessMode
) -> list[str]:
    """The commands that put the cluster in the caller's kubeconfig (Entra: via kubelogin)."""
    commands = [
        f"az aks get-credentials --resource-group {resource_group} --name {cluster_name} "
        f"--subscription {subscription_id}"
    ]
    if mode is AccessMode.ENTRA:
        commands.append("kubelogin convert-kubeconfig -l azurecli")
    return commands


# --- ARM calls (each takes its AuthorizationManagementClient as a parameter) -----------------


def assign_role(
    client: Any, subscription_id: str, cluster_id: str, principal_id: str, role: BuiltInRole
) -> None:
    """PUT the caller's assignment of `role` on the cluster; an existing one counts as done.

    ARM answers 409 RoleAssignmentExists when the same principal already holds the role at
    this scope (under our name or another): that is success once a list confirms it.
    """
    from azure.core.exceptions import HttpResponseError

    # The client's default API version (its models module re-exports every version's names).
    from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

    parameters = RoleAssignmentCreateParameters(
        role_definition_id=role_definition_id(subscription_id, role),
        principal_id=principal_id,
        principal_type=PRINCIPAL_TYPE,
    )
    name = assignment_name(cluster_id, principal_id, role)
    try:
        client.role_assignments.create(cluster_id, name, parameters)
    except HttpResponseError as exc:
        code = getattr(getattr(exc, "error", None), "code", None)
        if code == ROLE_ASSIGNMENT_EXISTS and holds_role(client, cluster_id, principal_id, role):
            logger.info("%s already holds %s on %s", principal_id, role.name, cluster_id)
            return
        raise
    logger.info("granted %s on %s (%s)", role.name, cluster_id, name)


def holds_role(client: Any, cluster_id: str, principal_id: str, role: BuiltInRole) -> bool:
    """True when the principal has an assignment of `role` at exactly the cluster's scope."""
    found = client.role_assignments.list_for_scope(
        cluster_id, filter=f"principalId eq '{principal_id}'"
    )
    return any(
        (assignment.role_definition_id or "").lower().endswith(role.id)
        and (assignment.scope or "").lower() == cluster_id.lower()
        for assignment in found
    )


def remove_granted_roles(client: Any, cluster_id: str, principal_id: str) -> int:
    """Delete the assignments the product made on the cluster; how many existed.

    Raises the first ARM fault; the caller decides that it never blocks a delete.
    """
    removed = 0
    for role in ACCESS_ROLES:
        deleted = client.role_assignments.delete(
            cluster_id, assignment_name(cluster_id, principal_id, role)
        )
        removed += deleted is not None
    return removed
