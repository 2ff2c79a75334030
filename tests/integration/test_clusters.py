"""clusters.arm_calls through the real ContainerServiceClient against the ARM simulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from local.processes import azurite_connection_string, free_port
from provisioning.clusters.arm_calls import (
    AbortAnswer,
    abort_cluster_operation,
    is_precondition_failed,
    read_cluster,
    read_cluster_state,
    read_operation_error,
    start_cluster_create,
    start_cluster_delete,
)
from provisioning.clusters.ownership import ExistingCluster, product_tags
from provisioning.models import ProvisionRequest
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID, ArmSimulator

RESOURCE_GROUP = "rg-cluster-ops"
OWNER = "owner-cluster-ops"
TASK_ID = "2516614703999999999-aaaaaaaaaaaa"
TAGS = product_tags(OWNER, TASK_ID)
WAIT_LIMIT_SECONDS = 60


def request_for(name: str, resource_group: str = RESOURCE_GROUP) -> ProvisionRequest:
    return ProvisionRequest(
        subscription_id=SIMULATOR_SUBSCRIPTION_ID,
        resource_group=resource_group,
        cluster_name=name,
        region="eastus",
        node_vm_size="Standard_D2s_v3",
        node_count=1,
        kubernetes_version=None,
    )


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def wait_for_state(
    client: ContainerServiceClient, name: str, done: Callable[[str | None], bool]
) -> str | None:
    """Poll the cluster until `done(state)`; fails the test rather than hanging."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    state = read_cluster_state(client, RESOURCE_GROUP, name)
    while not done(state):
        assert time.monotonic() < deadline, f"cluster {name} stuck in {state}"
        time.sleep(0.2)
        state = read_cluster_state(client, RESOURCE_GROUP, name)
    return state


def test_create_returns_while_creating_and_the_cluster_then_succeeds(
    arm_client: ContainerServiceClient, arm_simulator: ArmSimulator
) -> None:
    name = unique("demo-")
    accepted = start_cluster_create(arm_client, request_for(name), TAGS)

    assert accepted.provisioning_state == "Creating"
    assert accepted.resource_id is not None and accepted.resource_id.endswith(f"/{name}")
    assert accepted.operation_url is not None
    assert urlsplit(accepted.operation_url).netloc == urlsplit(arm_simulator.base_url).netloc
    assert read_cluster_state(arm_client, RESOURCE_GROUP, name) == "Creating"
    assert wait_for_state(arm_client, name, lambda s: s != "Creating") == "Succeeded"
    cluster = arm_client.managed_clusters.get(RESOURCE_GROUP, name)
    assert cluster.tags == TAGS
    assert cluster.agent_pool_profiles[0].name == "system"


def test_async_failure_reason_comes_from_the_operation(
    arm_client: ContainerServiceClient,
) -> None:
    name = unique("fail-")
    accepted = start_cluster_create(arm_client, request_for(name), TAGS)
    assert accepted.operation_url is not None

    assert wait_for_state(arm_client, name, lambda s: s != "Creating") == "Failed"
    status, code, message = read_operation_error(arm_client, accepted.operation_url)
    assert status == "Failed"
    assert code == "VMExtensionProvisioningError"
    assert message


@pytest.mark.parametrize(
    ("prefix", "resource_group", "code"),
    [
        ("quota-", RESOURCE_GROUP, "QuotaExceeded"),
        ("nosku-", RESOURCE_GROUP, "SkuNotAvailable"),
        ("denied-", RESOURCE_GROUP, "AuthorizationFailed"),
        ("demo-", "missing-rg", "ResourceGroupNotFound"),
    ],
)
def test_rejected_create_raises_with_the_arm_error_code(
    arm_client: ContainerServiceClient, prefix: str, resource_group: str, code: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        start_cluster_create(arm_client, request_for(unique(prefix), resource_group), TAGS)
    assert caught.value.error is not None and caught.value.error.code == code


def test_flaky_arm_is_retried_by_the_sdk(arm_client: ContainerServiceClient) -> None:
    accepted = start_cluster_create(arm_client, request_for(unique("flaky-")), TAGS)
    assert accepted.provisioning_state == "Creating"


def test_absent_cluster_has_no_state(arm_client: ContainerServiceClient) -> None:
    assert read_cluster_state(arm_client, RESOURCE_GROUP, unique("absent-")) is None


def test_abort_cancels_a_running_create(arm_client: ContainerServiceClient) -> None:
    name = unique("slow-")
    start_cluster_create(arm_client, request_for(name), TAGS)

    assert abort_cluster_operation(arm_client, RESOURCE_GROUP, name) is AbortAnswer.ACCEPTED
    final = wait_for_state(arm_client, name, lambda s: s not in {"Creating", "Canceling"})
    assert final == "Canceled"


def test_abort_without_a_running_operation_reports_false(
    arm_client: ContainerServiceClient,
) -> None:
    absent = unique("absent-")
    assert abort_cluster_operation(arm_client, RESOURCE_GROUP, absent) is AbortAnswer.REFUSED


def test_delete_removes_the_cluster_and_reports_absent_ones(
    arm_client: ContainerServiceClient,
) -> None:
    name = unique("slow-")
    start_cluster_create(arm_client, request_for(name), TAGS)

    assert start_cluster_delete(arm_client, RESOURCE_GROUP, name, etag=None) is True
    assert wait_for_state(arm_client, name, lambda s: s is None) is None
    assert start_cluster_delete(arm_client, RESOURCE_GROUP, name, etag=None) is False


def test_app_client_factory_reaches_the_simulator(
    arm_simulator: ArmSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provisioning import clients
    from provisioning.settings import get_settings

    # A port nothing listens on: never the `make run` Azurite (tests/hermetic.py).
    monkeypatch.setenv("AzureWebJobsStorage", azurite_connection_string(free_port()))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SIMULATOR_SUBSCRIPTION_ID)
    monkeypatch.setenv("ARM_ENDPOINT", arm_simulator.base_url)
    monkeypatch.setenv("ARM_CA_BUNDLE", str(arm_simulator.cert_path))
    get_settings.cache_clear()
    clients.reset_clients()
    try:
        client = clients.container_service_client()
        assert clients.container_service_client() is client
        assert read_cluster_state(client, RESOURCE_GROUP, unique("absent-")) is None
        name = unique("demo-")
        accepted = start_cluster_create(client, request_for(name), TAGS)
        assert accepted.provisioning_state == "Creating"
    finally:
        clients.reset_clients()
        get_settings.cache_clear()


# --- conditional requests: a create never changes an existing cluster (docs/architecture.md) ---


def test_create_tags_the_cluster_with_owner_and_task(arm_client: ContainerServiceClient) -> None:
    name = unique("demo-")
    start_cluster_create(arm_client, request_for(name), TAGS)

    existing = read_cluster(arm_client, RESOURCE_GROUP, name)

    assert isinstance(existing, ExistingCluster)
    assert existing.tags == TAGS
    assert existing.etag
    assert existing.made_by(TASK_ID) and existing.owned_by(OWNER)


def test_create_only_put_is_refused_with_412_when_the_name_is_taken(
    arm_client: ContainerServiceClient,
) -> None:
    name = unique("demo-")
    start_cluster_create(arm_client, request_for(name), TAGS)
    before = read_cluster(arm_client, RESOURCE_GROUP, name)

    intruder = product_tags("someone-else", "2516614703999999999-bbbbbbbbbbbb")
    bigger = ProvisionRequest(**{**request_for(name).to_dict(), "node_count": 5})
    with pytest.raises(HttpResponseError) as refused:
        start_cluster_create(arm_client, bigger, intruder)

    assert is_precondition_failed(refused.value)
    after = read_cluster(arm_client, RESOURCE_GROUP, name)
    assert after == before  # same tags, state and etag: nothing changed


def test_if_match_replace_with_a_stale_etag_is_refused(
    arm_client: ContainerServiceClient,
) -> None:
    name = unique("fail-")
    start_cluster_create(arm_client, request_for(name), TAGS)
    stale = read_cluster(arm_client, RESOURCE_GROUP, name)
    assert stale is not None
    wait_for_state(arm_client, name, lambda s: s == "Failed")

    with pytest.raises(HttpResponseError) as refused:
        start_cluster_create(arm_client, request_for(name), TAGS, etag='W/"not-the-etag"')
    assert is_precondition_failed(refused.value)

    current = read_cluster(arm_client, RESOURCE_GROUP, name)
    assert current is not None and current.provisioning_state == "Failed"
    retried = start_cluster_create(arm_client, request_for(name), TAGS, etag=current.etag)
    assert retried.provisioning_state == "Creating"


def test_delete_with_a_stale_etag_leaves_the_cluster(arm_client: ContainerServiceClient) -> None:
    name = unique("slow-")
    start_cluster_create(arm_client, request_for(name), TAGS)

    with pytest.raises(HttpResponseError) as refused:
        start_cluster_delete(arm_client, RESOURCE_GROUP, name, etag='W/"stale"')

    assert is_precondition_failed(refused.value)
    assert read_cluster_state(arm_client, RESOURCE_GROUP, name) == "Creating"
