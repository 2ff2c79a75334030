"""ARM routes for connecting to a cluster: role assignments at its scope and its credentials.

Role assignments (Microsoft.Authorization, api-version 2022-04-01) live on the cluster and
go with it. A PUT of the same name and body is 201 then 200; a different body under a taken
name, or the same principal and role under another name, is 409 RoleAssignmentExists. In
`readonly-` and `contributor-` groups the caller may not write them (403, as Contributor).

listClusterUserCredential answers a kubeconfig whose user runs kubelogin when local accounts
are disabled (no secret), else a client-certificate user; listClusterAdminCredential refuses
clusters without local accounts, as AKS does.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from aiohttp import web

from local.arm_simulator import arm_errors
from local.arm_simulator.arm_http import STORE_KEY, Route, arm_path
from local.arm_simulator.cluster_model import Cluster, ClusterView
from local.arm_simulator.cluster_routes import CLUSTER, cluster_preamble
from local.arm_simulator.documents import arm_time, cluster_document, cluster_resource_id
from local.arm_simulator.resource_groups import may_assign_roles

ROLE_ASSIGNMENTS = CLUSTER + "/providers/microsoft\\.authorization/roleassignments"
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PRINCIPAL_FILTER = re.compile(r"principalId\s+eq\s+'(?P<principal>[^']*)'", re.IGNORECASE)
# What makes two assignment bodies the same (ARM compares these, case-insensitively for ids).
COMPARED = ("roleDefinitionId", "principalId", "principalType", "condition", "conditionVersion")
WRITE_ACTION = "Microsoft.Authorization/roleAssignments/write"
DELETE_ACTION = "Microsoft.Authorization/roleAssignments/delete"
SIMULATED_TENANT_ID = "00000000-0000-0000-0000-00000000a11d"
# The AKS AAD server app and the Azure CLI client, as kubelogin's arguments name them.
AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def _cluster(request: web.Request, match: re.Match[str]) -> tuple[ClusterView, str]:
    """The cluster the scope names (404 when absent) and its ARM id as the scope."""
    store = cluster_preamble(request, match)
    view = store.require(match["sub"], match["rg"], match["name"], time.time())
    cluster = view.cluster
    scope = cluster_resource_id(cluster.subscription_id, cluster.resource_group, cluster.name)
    return view, scope


def assignment_document(scope: str, name: str, stored: dict[str, Any]) -> dict[str, Any]:
    """A role assignment as ARM returns it (RoleAssignment, 2022-04-01)."""
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": stored["roleDefinitionId"],
            "principalId": stored["principalId"],
            "principalType": stored["principalType"],
            "scope": scope,
            "condition": stored.get("condition"),
            "conditionVersion": stored.get("conditionVersion"),
            "createdOn": stored["createdOn"],
            "updatedOn": stored["updatedOn"],
            "createdBy": arm_errors.SIMULATED_OBJECT_ID,
            "updatedBy": arm_errors.SIMULATED_OBJECT_ID,
            "delegatedManagedIdentityResourceId": None,
            "description": stored.get("description"),
        },
    }


def _wanted_assignment(body: Any) -> dict[str, Any]:
    """The PUT body's properties, validated as ARM does (principalId must be a GUID)."""
    properties = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(properties, dict):
        raise arm_errors.invalid_request_content("the properties object is required.")
    role, principal = properties.get("roleDefinitionId"), properties.get("principalId")
    if not isinstance(role, str) or not role:
        raise arm_errors.invalid_parameter("roleDefinitionId", "a role definition id is required.")
    if not isinstance(principal, str) or not GUID.fullmatch(principal):
        raise arm_errors.invalid_principal_id(str(principal))
    return {
        "roleDefinitionId": role,
        "principalId": principal,
        "principalType": properties.get("principalType") or "User",
        "condition": properties.get("condition"),
        "conditionVersion": properties.get("conditionVersion"),
        "description": properties.get("description"),
    }


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return all(str(one.get(k) or "").lower() == str(other.get(k) or "").lower() for k in COMPARED)


def _same_grant(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("roleDefinitionId", "principalId")
    return all(str(one[k]).lower() == str(other[k]).lower() for k in keys)


def put_assignment(cluster: Cluster, name: str, wanted: dict[str, Any], now: float) -> int:
    """Store the assignment: 201 new, 200 the same again, else 409 RoleAssignmentExists."""
    key = name.lower()
    existing = cluster.role_assignments.get(key)
    if existing is not None:
        if not _same(existing, wanted):
            raise arm_errors.role_assignment_exists()
        return 200
    if any(_same_grant(other, wanted) for other in cluster.role_assignments.values()):
        raise arm_errors.role_assignment_exists()
    stamp = arm_time(now)
    cluster.role_assignments[key] = {**wanted, "name": name, "createdOn": stamp, "updatedOn": stamp}
    return 201


async def put_role_assignment(
    request: web.Request, match: re.Match[str], _: str
) -> web.StreamResponse:
    """PUT {cluster}/providers/Microsoft.Authorization/roleAssignments/{name}."""
    view, scope = _cluster(request, match)
    name = match["assignment"]
    if not GUID.fullmatch(name):
        raise arm_errors.invalid_parameter("roleAssignmentName", "the name must be a GUID.")
    if not may_assign_roles(match["rg"]):
        raise arm_errors.role_assignment_denied(WRITE_ACTION, scope)
    try:
        body = await request.json()
    except ValueError:
        body = None
    status = put_assignment(view.cluster, name, _wanted_assignment(body), time.time())
    request.app[STORE_KEY].save()
    stored = view.cluster.role_assignments[name.lower()]
    return web.json_response(assignment_document(scope, stored["name"], stored), status=status)


async def get_role_assignment(
    request: web.Request, match: re.Match[str], _: str
) -> web.StreamResponse:
    """GET one role assignment at the cluster's scope."""
    view, scope = _cluster(request, match)
    stored = view.cluster.role_assignments.get(match["assignment"].lower())
    if stored is None:
        raise arm_errors.role_assignment_not_found(match["assignment"])
    return web.json_response(assignment_document(scope, stored["name"], stored))


async def delete_role_assignment(
    request: web.Request, match: re.Match[str], _: str
) -> web.StreamResponse:
    """DELETE one role assignment: 200 with what it was, 204 when there was none."""
    view, scope = _cluster(request, match)
    if not may_assign_roles(match["rg"]):
        raise arm_errors.role_assignment_denied(DELETE_ACTION, scope)
    stored = view.cluster.role_assignments.pop(match["assignment"].lower(), None)
    if stored is None:
        return web.Response(status=204)
    request.app[STORE_KEY].save()
    return web.json_response(assignment_document(scope, stored["name"], stored))


async def list_role_assignments(
    request: web.Request, match: re.Match[str], _: str
) -> web.StreamResponse:
    """GET the assignments at the cluster's scope, optionally `$filter=principalId eq '…'`."""
    view, scope = _cluster(request, match)
    query = request.query.get("$filter", "")
    wanted = PRINCIPAL_FILTER.search(query)
    if query and wanted is None:
        raise arm_errors.invalid_parameter("$filter", f"the filter '{query}' is not supported.")
    principal = wanted["principal"].lower() if wanted else None
    found = [
        assignment_document(scope, stored["name"], stored)
        for stored in view.cluster.role_assignments.values()
        if principal is None or stored["principalId"].lower() == principal
    ]
    return web.json_response({"value": found})


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def kubeconfig(view: ClusterView, user_name: str, *, exec_user: bool) -> str:
    """A kubeconfig for the cluster: an exec (kubelogin) user, or a client-certificate one."""
    cluster = view.cluster
    fqdn = cluster_document(view, time.time())["properties"]["fqdn"]
    # Names are quoted (a JSON string is a YAML string): a cluster named "0" stays a string.
    name, user_name = json.dumps(cluster.name), json.dumps(user_name)
    authority = _b64(f"simulated cluster CA of {cluster.name}")
    if exec_user:
        user = (
            "    exec:\n"
            "      apiVersion: client.authentication.k8s.io/v1beta1\n"
            "      args:\n"
            "      - get-token\n"
            "      - --environment\n"
            "      - AzurePublicCloud\n"
            "      - --server-id\n"
            f"      - {AKS_SERVER_ID}\n"
            "      - --client-id\n"
            f"      - {AZURE_CLI_CLIENT_ID}\n"
            "      - --tenant-id\n"
            f"      - {SIMULATED_TENANT_ID}\n"
            "      - --login\n"
            "      - azurecli\n"
            "      command: kubelogin\n"
            "      env: null\n"
            "      installHint: |2\n\n"
            "        kubelogin is not installed which is required to connect to AAD enabled "
            "cluster.\n\n"
            "        To learn more, please go to https://aka.ms/aks/kubelogin\n"
            "      provideClusterInfo: false\n"
        )
    else:
        user = (
            f"    client-certificate-data: {_b64(f'simulated client certificate {user_name}')}\n"
            f"    client-key-data: {_b64(f'simulated client key {user_name}')}\n"
            f"    token: {_b64(user_name)[:32]}\n"
        )
    return (
        "apiVersion: v1\n"
        "clusters:\n"
        "- cluster:\n"
        f"    certificate-authority-data: {authority}\n"
        f"    server: https://{fqdn}:443\n"
        f"  name: {name}\n"
        "contexts:\n"
        "- context:\n"
        f"    cluster: {name}\n"
        f"    user: {user_name}\n"
        f"  name: {name}\n"
        f"current-context: {name}\n"
        "kind: Config\n"
        "preferences: {}\n"
        "users:\n"
        f"- name: {user_name}\n"
        "  user:\n"
        f"{user}"
    )


async def list_credential(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """POST …/listClusterUserCredential (format=exec) or …/listClusterAdminCredential."""
    view, _scope = _cluster(request, match)
    cluster = view.cluster
    admin = match["which"].lower() == "listclusteradmincredential"
    if admin and cluster.local_accounts_disabled:
        raise arm_errors.static_credential_not_allowed()
    kind = "clusterAdmin" if admin else "clusterUser"
    user_name = f"{kind}_{cluster.resource_group}_{cluster.name}"
    text = kubeconfig(view, user_name, exec_user=cluster.local_accounts_disabled and not admin)
    return web.json_response({"kubeconfigs": [{"name": kind, "value": _b64(text)}]})


ACCESS_ROUTES: tuple[Route, ...] = (
    Route(arm_path(ROLE_ASSIGNMENTS), {"GET": list_role_assignments}),
    Route(
        arm_path(ROLE_ASSIGNMENTS + "/(?P<assignment>[^/]+)"),
        {
            "GET": get_role_assignment,
            "PUT": put_role_assignment,
            "DELETE": delete_role_assignment,
        },
    ),
    Route(
        arm_path(CLUSTER + "/(?P<which>listclusterusercredential|listclusteradmincredential)"),
        {"POST": list_credential},
    ),
)
