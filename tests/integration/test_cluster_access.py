"""Connecting to a cluster through the real SDKs against the simulator: role assignments,
the create's grant step, the delete's cleanup, and the user credential (kubeconfig)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.clusters.access_grants import (
    ACCESS_ROLES,
    CLUSTER_ADMIN_ROLE,
    assign_role,
    assignment_name,
    role_definition_id,
)
from provisioning.clusters.arm_calls import cluster_parameters
from provisioning.clusters.credentials import (
    ClusterNotRunning,
    LocalAccountsEnabled,
    user_kubeconfig,
)
from provisioning.clusters.ownership import product_tags
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import AccessMode, ProvisionRequest
from provisioning.operations.attempts import OrchestrationTiming, orchestration_input
from provisioning.operations.delete_work import remove_access_grants
from provisioning.operations.grant_work import grant_cluster_access
from provisioning.operations.lifecycle import ClusterNotFound
from provisioning.operations.starts import job_from_orchestration_input
from provisioning.portal_links import cluster_resource_id
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
RG = "rg-connect-tests"


def _request(name: str, access: AccessMode, group: str = RG) -> ProvisionRequest:
    return ProvisionRequest(
        SIMULATOR_SUBSCRIPTION_ID, group, name, "eastus", "Standard_D2s_v3", 1, None, None, access
    )


@pytest.fixture
def create(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> Callable[..., tuple[ProvisionRequest, str]]:
    """Create a cluster exactly as the product does (its PUT body); (request, owner id)."""

    def make(
        access: AccessMode = AccessMode.ENTRA, group: str = RG
    ) -> tuple[ProvisionRequest, str]:
        owner = str(uuid.uuid4())
        request = _request(unique_cluster_name("conn-"), access, group)
        tags = product_tags(owner, "task-1")
        arm_client.managed_clusters.begin_create_or_update(
            group, request.cluster_name, cluster_parameters(request, tags)
        ).result()
        return request, owner

    return make


def _attempt(request: ProvisionRequest, owner: str) -> Any:
    job = JobState.new(owner, new_task_id(NOW, uuid.uuid4().hex[:12]), request, now=NOW)
    timing = OrchestrationTiming(poll_seconds=1, deadline_minutes=5)
    return orchestration_input(job, timing, "https://portal.example/cluster")


def _scope(request: ProvisionRequest) -> str:
    return cluster_resource_id(
        SIMULATOR_SUBSCRIPTION_ID, request.resource_group, request.cluster_name
    )


def _mine(client: AuthorizationManagementClient, scope: str, owner: str) -> list[Any]:
    return list(client.role_assignments.list_for_scope(scope, filter=f"principalId eq '{owner}'"))


def test_an_entra_cluster_keeps_aad_profile_and_disabled_local_accounts_as_sent(
    arm_client: ContainerServiceClient, create: Callable[..., tuple[ProvisionRequest, str]]
) -> None:
    entra, _ = create()
    local, _ = create(AccessMode.LOCAL)

    got = arm_client.managed_clusters.get(RG, entra.cluster_name)
    assert (got.aad_profile.managed, got.aad_profile.enable_azure_rbac) == (True, True)
    assert got.disable_local_accounts is True
    plain = arm_client.managed_clusters.get(RG, local.cluster_name)
    assert plain.aad_profile is None
    assert not plain.disable_local_accounts


def test_the_grant_step_gives_the_caller_exactly_the_two_roles_at_the_cluster_scope(
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create()
    attempt = _attempt(request, owner)

    first = grant_cluster_access(None, authorization_client, attempt, now=NOW)
    again = grant_cluster_access(None, authorization_client, attempt, now=NOW)

    assert (first.granted, first.warning, again.granted) == (True, None, True)
    scope = _scope(request)
    found = _mine(authorization_client, scope, owner)
    assert sorted(a.name for a in found) == sorted(
        assignment_name(scope, owner, role) for role in ACCESS_ROLES
    )
    assert {a.role_definition_id.rsplit("/", 1)[1] for a in found} == {r.id for r in ACCESS_ROLES}
    assert {(a.principal_type, a.scope.lower()) for a in found} == {("User", scope.lower())}


def test_the_grant_step_shows_granting_you_access_in_the_row(
    jobstate_repo: JobStateRepository,
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create()
    attempt = _attempt(request, owner)
    jobstate_repo.upsert_missing(job_from_orchestration_input(attempt))

    grant_cluster_access(jobstate_repo, authorization_client, attempt, now=NOW)

    row = jobstate_repo.get(owner, attempt.task_id)
    assert row is not None
    assert (row.step, row.step_index, row.total_steps) == ("Granting you access", 4, 5)


def test_a_put_of_the_same_assignment_is_201_then_200_and_another_body_is_409(
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create()
    scope = _scope(request)
    name = assignment_name(scope, owner, CLUSTER_ADMIN_ROLE)
    body = RoleAssignmentCreateParameters(
        role_definition_id=role_definition_id(SIMULATOR_SUBSCRIPTION_ID, CLUSTER_ADMIN_ROLE),
        principal_id=owner,
        principal_type="User",
    )
    statuses = []

    def status(response: Any, *_: Any) -> int:
        return response.http_response.status_code

    for _ in range(2):
        statuses.append(authorization_client.role_assignments.create(scope, name, body, cls=status))
    other = RoleAssignmentCreateParameters(
        role_definition_id=body.role_definition_id, principal_id=str(uuid.uuid4())
    )
    with pytest.raises(HttpResponseError) as caught:
        authorization_client.role_assignments.create(scope, name, other)

    assert statuses == [201, 200]
    assert (caught.value.status_code, caught.value.error.code) == (409, "RoleAssignmentExists")
    got = authorization_client.role_assignments.get(scope, name)
    assert got.principal_id == owner


def test_the_same_role_under_another_name_is_already_granted(
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create()
    scope = _scope(request)
    body = RoleAssignmentCreateParameters(
        role_definition_id=role_definition_id(SIMULATOR_SUBSCRIPTION_ID, CLUSTER_ADMIN_ROLE),
        principal_id=owner,
        principal_type="User",
    )
    authorization_client.role_assignments.create(scope, str(uuid.uuid4()), body)

    assign_role(authorization_client, SIMULATOR_SUBSCRIPTION_ID, scope, owner, CLUSTER_ADMIN_ROLE)

    assert len(_mine(authorization_client, scope, owner)) == 1


def test_a_group_where_the_app_is_only_contributor_refuses_the_grant_with_a_warning(
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create(group="contributor-connect")

    result = grant_cluster_access(None, authorization_client, _attempt(request, owner), now=NOW)

    assert result.granted is False
    assert result.warning is not None
    assert "AuthorizationFailed" in result.warning.message
    (action,) = result.warning.actions
    assert action.kind == "grant_access"
    assert [owner in command for command in action.commands] == [True, True]
    assert _mine(authorization_client, _scope(request), owner) == []


def test_an_owner_id_that_is_no_object_id_gets_the_commands_without_an_arm_call(
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, _ = create()
    result = grant_cluster_access(
        None, authorization_client, _attempt(request, "swa-user-1234"), now=NOW
    )
    assert result.granted is False
    assert result.warning is not None
    assert "<the user's Entra object id>" in result.warning.actions[0].commands[0]


def test_removing_the_grants_deletes_both_and_tolerates_none(
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create()
    attempt = _attempt(request, owner)
    grant_cluster_access(None, authorization_client, attempt, now=NOW)

    remove_access_grants(authorization_client, attempt)
    remove_access_grants(authorization_client, attempt)  # nothing left: still no fault

    assert _mine(authorization_client, _scope(request), owner) == []


def test_assignments_go_with_their_cluster(
    arm_client: ContainerServiceClient,
    authorization_client: AuthorizationManagementClient,
    create: Callable[..., tuple[ProvisionRequest, str]],
) -> None:
    request, owner = create()
    grant_cluster_access(None, authorization_client, _attempt(request, owner), now=NOW)

    arm_client.managed_clusters.begin_delete(RG, request.cluster_name).result()
    arm_client.managed_clusters.begin_create_or_update(
        RG, request.cluster_name, cluster_parameters(request, product_tags(owner, "t2"))
    ).result()

    assert _mine(authorization_client, _scope(request), owner) == []


def test_the_user_kubeconfig_of_an_entra_cluster_runs_kubelogin_and_holds_no_secret(
    arm_client: ContainerServiceClient, create: Callable[..., tuple[ProvisionRequest, str]]
) -> None:
    request, owner = create()

    text = user_kubeconfig(arm_client, owner, RG, request.cluster_name).decode()

    assert "command: kubelogin" in text
    assert "- get-token" in text and "- azurecli" in text
    for secret in ("client-certificate-data", "client-key-data", "token:"):
        assert secret not in text
    assert f'name: "{request.cluster_name}"' in text


def test_a_local_cluster_credential_would_be_a_secret_so_it_is_refused(
    arm_client: ContainerServiceClient, create: Callable[..., tuple[ProvisionRequest, str]]
) -> None:
    request, owner = create(AccessMode.LOCAL)

    with pytest.raises(LocalAccountsEnabled):
        user_kubeconfig(arm_client, owner, RG, request.cluster_name)
    raw = arm_client.managed_clusters.list_cluster_user_credentials(RG, request.cluster_name)
    assert b"client-certificate-data" in bytes(raw.kubeconfigs[0].value)


def test_the_kubeconfig_is_only_for_the_owner_and_a_running_cluster(
    arm_client: ContainerServiceClient, create: Callable[..., tuple[ProvisionRequest, str]]
) -> None:
    request, owner = create()

    with pytest.raises(ClusterNotFound):
        user_kubeconfig(arm_client, str(uuid.uuid4()), RG, request.cluster_name)
    with pytest.raises(ClusterNotFound):
        user_kubeconfig(arm_client, owner, RG, "no-such-cluster")
    arm_client.managed_clusters.begin_stop(RG, request.cluster_name).result()
    with pytest.raises(ClusterNotRunning):
        user_kubeconfig(arm_client, owner, RG, request.cluster_name)


def test_the_admin_credential_is_refused_when_local_accounts_are_disabled(
    arm_client: ContainerServiceClient, create: Callable[..., tuple[ProvisionRequest, str]]
) -> None:
    request, _ = create()
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.list_cluster_admin_credentials(RG, request.cluster_name)
    assert (caught.value.status_code, caught.value.error.code) == (400, "BadRequest")
    assert "local accounts are disabled" in caught.value.error.message


def test_the_kubeconfig_value_is_base64_on_the_wire(
    arm_client: ContainerServiceClient, create: Callable[..., tuple[ProvisionRequest, str]]
) -> None:
    request, _ = create()
    response = arm_client.managed_clusters.list_cluster_user_credentials(
        RG, request.cluster_name, format="exec", cls=lambda raw, *_: raw.http_response.json()
    )
    (entry,) = response["kubeconfigs"]
    assert entry["name"] == "clusterUser"
    assert base64.b64decode(entry["value"]).startswith(b"apiVersion: v1")
