"""ARM cluster operations against a small injected fake of the SDK client."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceResponseError

from provisioning.clusters.arm_calls import (
    AbortAnswer,
    UntrustedOperationUrl,
    abort_cluster_operation,
    cluster_parameters,
    dns_prefix_for,
    read_cluster_state,
    read_operation_error,
    start_cluster_create,
    start_cluster_delete,
)
from provisioning.clusters.inventory import ClusterView, cluster_view
from provisioning.clusters.ownership import product_tags
from provisioning.models import AccessMode, ProvisionRequest

DNS_PREFIX = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,52}[A-Za-z0-9])?$")
REQUEST = ProvisionRequest("sub", "rg", "demo_cluster", "eastus", "Standard_D2s_v3", 2, "1.30.3")
OPERATION_URL = "https://arm.example/subscriptions/sub/providers/op/1?api-version=x"
TAGS = product_tags("owner-1", "task-1")


@dataclass
class FakeHttpResponse:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def json(self) -> Any:
        return self.body

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpResponseError(message=f"HTTP {self.status_code}")


@dataclass
class FakePipelineResponse:
    http_response: FakeHttpResponse


@dataclass
class FakeCluster:
    provisioning_state: str | None
    id: str | None = None
    e_tag: str | None = None
    tags: dict[str, str] | None = None


class FakePoller:
    """Mimics NoPolling: result() hands the initial response to the cls callback."""

    def __init__(self, response: FakeHttpResponse, deserialized: Any, cls: Any) -> None:
        self._response, self._deserialized, self._cls = response, deserialized, cls

    def result(self) -> Any:
        if self._cls is None:
            return self._deserialized
        return self._cls(FakePipelineResponse(self._response), self._deserialized, {})


class FakeManagedClusters:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.state: str | None = "Creating"
        self.delete_status = 202
        self.abort_error: Exception | None = None

    def begin_create_or_update(self, rg: str, name: str, params: Any, **kw: Any) -> FakePoller:
        self.calls.append(("create", (rg, name, params), kw))
        response = FakeHttpResponse(201, {"Azure-AsyncOperation": OPERATION_URL})
        return FakePoller(response, FakeCluster("Creating", f"/rg/{rg}/mc/{name}"), kw.get("cls"))

    def get(self, rg: str, name: str) -> FakeCluster:
        if self.state is None:
            raise ResourceNotFoundError("ResourceNotFound")
        return FakeCluster(self.state)

    def begin_abort_latest_operation(self, rg: str, name: str, **kw: Any) -> FakePoller:
        self.calls.append(("abort", (rg, name), kw))
        if self.abort_error is not None:
            raise self.abort_error
        return FakePoller(FakeHttpResponse(202), None, kw.get("cls"))

    def begin_delete(self, rg: str, name: str, **kw: Any) -> FakePoller:
        self.calls.append(("delete", (rg, name), kw))
        return FakePoller(FakeHttpResponse(self.delete_status), None, kw.get("cls"))


@dataclass
class FakeConfig:
    base_url: str = "https://arm.example"


class FakeClient:
    def __init__(self) -> None:
        self.managed_clusters = FakeManagedClusters()
        self._config = FakeConfig()
        self.sent: list[Any] = []
        self.operation_body: dict[str, Any] = {
            "status": "Failed",
            "error": {"code": "VMExtensionProvisioningError", "message": "extension failed"},
        }

    def send_request(self, request: Any) -> FakeHttpResponse:
        self.sent.append(request)
        return FakeHttpResponse(200, body=self.operation_body)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("demo", "demo"),
        ("demo_cluster", "demo-cluster"),
        ("_x_", "x"),
        ("a" * 63, "a" * 54),
        ("a" * 53 + "_b", "a" * 53),
        ("___", "aks"),
    ],
)
def test_dns_prefix_is_derived_from_the_name(name: str, expected: str) -> None:
    prefix = dns_prefix_for(name)
    assert prefix == expected
    assert DNS_PREFIX.match(prefix)


def test_cluster_parameters_describe_one_system_pool() -> None:
    body = cluster_parameters(REQUEST, TAGS).as_dict()
    assert body["location"] == "eastus"
    assert body["identity"] == {"type": "SystemAssigned"}
    assert body["tags"] == TAGS
    props = body["properties"]
    assert props["dnsPrefix"] == "demo-cluster"
    assert props["kubernetesVersion"] == "1.30.3"
    [pool] = props["agentPoolProfiles"]
    assert pool["name"] == "system" and pool["mode"] == "System"
    assert pool["vmSize"] == "Standard_D2s_v3" and pool["count"] == 2


def test_a_create_signs_people_in_with_entra_id_and_disables_local_accounts() -> None:
    props = cluster_parameters(REQUEST, TAGS).as_dict()["properties"]
    assert props["aadProfile"] == {"managed": True, "enableAzureRBAC": True}
    assert props["disableLocalAccounts"] is True


def test_a_local_access_create_keeps_local_accounts() -> None:
    local = replace(REQUEST, access=AccessMode.LOCAL)
    props = cluster_parameters(local, TAGS).as_dict()["properties"]
    assert "aadProfile" not in props and "disableLocalAccounts" not in props


def _view(**changes: Any) -> ClusterView:
    base = ClusterView(
        id="/subscriptions/sub-9/resourcegroups/rg-a/providers/Microsoft.ContainerService"
        "/managedClusters/demo",
        name="demo",
        resource_group="rg-a",
        region="eastus",
        provisioning_state="Succeeded",
        power_state="Running",
        kubernetes_version="1.32.6",
        node_pools=(),
        fqdn="demo-1.hcp.eastus.azmk8s.io",
        etag=None,
        entra_id=True,
        local_accounts_disabled=True,
    )
    return replace(base, **changes)


def test_an_entra_cluster_document_offers_kubelogin_and_the_kubeconfig() -> None:
    access = _view().to_document("https://portal", [], None, [])["access"]
    assert access == {
        "mode": "entra",
        "commands": [
            "az aks get-credentials --resource-group rg-a --name demo --subscription sub-9",
            "kubelogin convert-kubeconfig -l azurecli",
        ],
        "kubeconfig": True,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"entra_id": False},
        {"local_accounts_disabled": False},
        {"entra_id": False, "local_accounts_disabled": False},
    ],
)
def test_a_cluster_with_local_accounts_is_local_and_offers_no_kubeconfig(
    changes: dict[str, Any],
) -> None:
    access = _view(**changes).access()
    assert access["mode"] == "local"
    assert access["kubeconfig"] is False
    assert len(access["commands"]) == 1


@pytest.mark.parametrize("changes", [{"power_state": "Stopped"}, {"fqdn": None}])
def test_an_entra_cluster_without_a_server_offers_no_kubeconfig_yet(
    changes: dict[str, Any],
) -> None:
    access = _view(**changes).access()
    assert (access["mode"], access["kubeconfig"]) == ("entra", False)


def test_the_access_mode_is_read_from_the_listed_cluster() -> None:
    aad = SimpleNamespace(managed=True)
    listed = SimpleNamespace(
        id=_view().id,
        name="demo",
        location="eastus",
        provisioning_state="Succeeded",
        power_state=None,
        current_kubernetes_version="1.32.6",
        kubernetes_version=None,
        agent_pool_profiles=[],
        fqdn="x",
        e_tag=None,
        tags={},
        aad_profile=aad,
        disable_local_accounts=True,
    )
    assert cluster_view(listed).access_mode is AccessMode.ENTRA
    listed.disable_local_accounts = None
    assert cluster_view(listed).access_mode is AccessMode.LOCAL


def test_cluster_parameters_omit_version_when_not_given() -> None:
    request = ProvisionRequest("sub", "rg", "demo", "eastus", "Standard_D2s_v3", 1, None)
    assert "kubernetesVersion" not in cluster_parameters(request, TAGS).as_dict()["properties"]


def test_create_returns_once_accepted_with_the_operation_url() -> None:
    client = FakeClient()
    accepted = start_cluster_create(client, REQUEST, TAGS)  # type: ignore[arg-type]
    assert accepted.provisioning_state == "Creating"
    assert accepted.operation_url == OPERATION_URL
    assert accepted.resource_id == "/rg/rg/mc/demo_cluster"
    [(_, args, kwargs)] = client.managed_clusters.calls
    assert args[:2] == ("rg", "demo_cluster") and kwargs["polling"] is False


def test_cluster_state_is_none_when_the_cluster_is_absent() -> None:
    client = FakeClient()
    assert read_cluster_state(client, "rg", "demo") == "Creating"  # type: ignore[arg-type]
    client.managed_clusters.state = None
    assert read_cluster_state(client, "rg", "demo") is None  # type: ignore[arg-type]


def test_operation_error_reads_status_code_and_message() -> None:
    client = FakeClient()
    assert read_operation_error(client, OPERATION_URL) == (  # type: ignore[arg-type]
        "Failed",
        "VMExtensionProvisioningError",
        "extension failed",
    )
    assert client.sent[0].method == "GET" and client.sent[0].url == OPERATION_URL


@pytest.mark.parametrize(
    "url", ["https://evil.example/op", "http://arm.example/op", "file:///etc/passwd"]
)
def test_operation_url_off_the_arm_endpoint_is_refused(url: str) -> None:
    client = FakeClient()
    with pytest.raises(UntrustedOperationUrl):
        read_operation_error(client, url)  # type: ignore[arg-type]
    assert client.sent == []


def test_abort_tells_a_refusal_from_arm_saying_nothing() -> None:
    client = FakeClient()
    assert abort_cluster_operation(client, "rg", "demo") is AbortAnswer.ACCEPTED  # type: ignore[arg-type]
    refusal = HttpResponseError(message="409 conflict")
    refusal.status_code = 409
    client.managed_clusters.abort_error = refusal
    assert abort_cluster_operation(client, "rg", "demo") is AbortAnswer.REFUSED  # type: ignore[arg-type]
    client.managed_clusters.abort_error = ServiceResponseError("read timed out")
    assert abort_cluster_operation(client, "rg", "demo") is AbortAnswer.UNANSWERED  # type: ignore[arg-type]
    unavailable = HttpResponseError(message="503")
    unavailable.status_code = 503
    client.managed_clusters.abort_error = unavailable
    assert abort_cluster_operation(client, "rg", "demo") is AbortAnswer.UNANSWERED  # type: ignore[arg-type]


def test_delete_reports_whether_there_was_a_cluster() -> None:
    client = FakeClient()
    assert start_cluster_delete(client, "rg", "demo", etag=None) is True  # type: ignore[arg-type]
    client.managed_clusters.delete_status = 204
    assert start_cluster_delete(client, "rg", "demo", etag=None) is False  # type: ignore[arg-type]
