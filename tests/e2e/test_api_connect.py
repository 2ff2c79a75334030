"""Connect over HTTP through the real stack: Entra ID clusters, the creator's two role
assignments, the kubeconfig without a secret, and the cleanup on delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.mgmt.authorization import AuthorizationManagementClient

from provisioning.clusters.access_grants import ACCESS_ROLES, assignment_name
from provisioning.jobs.state import JobState
from provisioning.models import ProvisionRequest
from provisioning.operations.attempts import OrchestrationTiming, orchestration_input
from provisioning.operations.grant_work import grant_cluster_access
from provisioning.portal_links import cluster_resource_id
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID, ArmSimulator, make_authorization_client
from tests.stack_fixtures import LocalStack, UserClient

GROUP = "rg-connect"


@pytest.fixture
def roles(arm_simulator: ArmSimulator) -> Iterator[AuthorizationManagementClient]:
    """The real authorization client against the stack's simulator (to look, not to act)."""
    client = make_authorization_client(arm_simulator)
    yield client
    client.close()


def entra_user(local_stack: LocalStack, name: str) -> UserClient:
    """A signed-in user whose owner id is an Entra object id (a GUID), as in Azure."""
    return UserClient(local_stack.base_url, str(uuid.uuid4()), name)


def _created(user: UserClient, group: str = GROUP, **extra: Any) -> dict[str, Any]:
    name = f"conn-{uuid.uuid4().hex[:8]}"
    document = user.wait(user.provision(name, resource_group=group, **extra))
    assert document["status"] == "succeeded", document
    return document


def _scope(document: dict[str, Any]) -> str:
    request = document["request"]
    return cluster_resource_id(
        request["subscription_id"], request["resource_group"], request["cluster_name"]
    )


def _assignments(roles: AuthorizationManagementClient, scope: str, owner: str) -> list[Any]:
    return list(roles.role_assignments.list_for_scope(scope, filter=f"principalId eq '{owner}'"))


def _listed(user: UserClient, name: str) -> dict[str, Any]:
    clusters = user.get("/api/aks/clusters").json()["clusters"]
    return next(c for c in clusters if c["name"] == name)


def test_a_default_create_is_entra_and_grants_the_caller_exactly_two_roles(
    local_stack: LocalStack, roles: AuthorizationManagementClient
) -> None:
    user = entra_user(local_stack, "connect-a")

    document = _created(user)

    assert document["request"]["access"] == "entra"
    assert document["warning"] is None
    assert document["progress"]["total_steps"] == 5
    scope = _scope(document)
    found = _assignments(roles, scope, user.owner_id)
    assert sorted(a.name for a in found) == sorted(
        assignment_name(scope, user.owner_id, role) for role in ACCESS_ROLES
    )
    assert {a.role_definition_id.rsplit("/", 1)[1] for a in found} == {r.id for r in ACCESS_ROLES}
    assert {(a.principal_type, a.scope.lower()) for a in found} == {("User", scope.lower())}
    access = _listed(user, document["request"]["cluster_name"])["access"]
    name = document["request"]["cluster_name"]
    assert access == {
        "mode": "entra",
        "commands": [
            f"az aks get-credentials --resource-group {GROUP} --name {name} "
            f"--subscription {SIMULATOR_SUBSCRIPTION_ID}",
            "kubelogin convert-kubeconfig -l azurecli",
        ],
        "kubeconfig": True,
    }


def test_a_rerun_of_the_grant_step_makes_no_third_assignment(
    local_stack: LocalStack, roles: AuthorizationManagementClient
) -> None:
    user = entra_user(local_stack, "connect-rerun")
    document = _created(user)
    request = ProvisionRequest.from_dict(
        {**document["request"], "node_vm_size": "Standard_D2s_v5", "node_count": 1}
    )
    now = datetime.now(UTC)
    job = JobState.new(user.owner_id, document["task_id"], request, now=now)
    attempt = orchestration_input(job, OrchestrationTiming(1, 5), "https://portal.example/x")

    again = grant_cluster_access(None, roles, attempt, now=now)  # the activity, run once more

    assert again.granted is True
    assert len(_assignments(roles, _scope(document), user.owner_id)) == 2


def test_the_kubeconfig_is_an_attachment_whose_user_runs_kubelogin_with_no_secret(
    local_stack: LocalStack,
) -> None:
    user = entra_user(local_stack, "connect-kube")
    name = _created(user)["request"]["cluster_name"]

    answer = user.get(f"/api/aks/clusters/{GROUP}/{name}/kubeconfig")

    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/yaml")
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}.kubeconfig"'
    text = answer.text
    assert "command: kubelogin" in text and "- get-token" in text
    for secret in ("client-certificate-data", "client-key-data", "token:"):
        assert secret not in text


def test_a_local_cluster_has_no_kubeconfig_to_download(local_stack: LocalStack) -> None:
    user = entra_user(local_stack, "connect-local")
    document = _created(user, access="local")
    name = document["request"]["cluster_name"]

    answer = user.get(f"/api/aks/clusters/{GROUP}/{name}/kubeconfig")

    assert document["request"]["access"] == "local"
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "local_accounts_enabled"
    access = _listed(user, name)["access"]
    assert (access["mode"], access["kubeconfig"], len(access["commands"])) == ("local", False, 1)


def test_another_users_cluster_is_not_found(local_stack: LocalStack) -> None:
    owner, other = entra_user(local_stack, "connect-own"), entra_user(local_stack, "connect-oth")
    name = _created(owner)["request"]["cluster_name"]

    answer = other.get(f"/api/aks/clusters/{GROUP}/{name}/kubeconfig")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_a_stopped_cluster_has_no_server_to_connect_to(local_stack: LocalStack) -> None:
    user = entra_user(local_stack, "connect-stop")
    name = _created(user)["request"]["cluster_name"]
    stop = user.post(f"/api/aks/clusters/{GROUP}/{name}/stop")
    assert user.wait(stop.json()["task_id"])["status"] == "succeeded"

    answer = user.get(f"/api/aks/clusters/{GROUP}/{name}/kubeconfig")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_running"
    assert _listed(user, name)["access"]["kubeconfig"] is False


def test_a_bad_access_value_is_a_400_naming_access(local_stack: LocalStack) -> None:
    user = entra_user(local_stack, "connect-bad")
    answer = user.post(
        "/api/aks/provision",
        json={"cluster_name": "x1", "resource_group": GROUP, "region": "eastus", "access": "aad"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "access"


def test_when_the_app_may_not_grant_the_create_succeeds_with_the_grant_access_commands(
    local_stack: LocalStack, roles: AuthorizationManagementClient
) -> None:
    user = entra_user(local_stack, "connect-deny")

    document = _created(user, group="contributor-connect")

    warning = document["warning"]
    assert document["error"] is None
    assert warning["code"] == "AccessNotGranted"
    (action,) = warning["actions"]
    assert (action["kind"], action["label"]) == ("grant_access", "Grant access")
    scope = _scope(document)
    assert action["commands"] == [
        f"az role assignment create --assignee-object-id {user.owner_id} "
        f"--assignee-principal-type User --role {role.id} --scope {scope}"
        for role in ACCESS_ROLES
    ]
    assert _assignments(roles, scope, user.owner_id) == []
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert document["task_id"] not in {job["task_id"] for job in recent}


def test_delete_removes_the_assignments_the_product_made(
    local_stack: LocalStack, roles: AuthorizationManagementClient
) -> None:
    user = entra_user(local_stack, "connect-del")
    document = _created(user)
    scope, name = _scope(document), document["request"]["cluster_name"]
    assert len(_assignments(roles, scope, user.owner_id)) == 2

    delete = user.post(f"/api/aks/clusters/{GROUP}/{name}/delete", json={"confirm": name})

    assert delete.status_code == 202, delete.text
    assert user.wait(delete.json()["task_id"])["status"] == "succeeded"
    log = local_stack.log_path.read_text(encoding="utf-8")
    assert f"removed 2 role assignments on {scope}" in log
