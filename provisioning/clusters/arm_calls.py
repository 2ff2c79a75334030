"""ARM managedClusters operations; each takes its ContainerServiceClient as a parameter."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from provisioning.clusters.ownership import ExistingCluster
from provisioning.models import AccessMode, ProvisionRequest

if TYPE_CHECKING:
    from azure.mgmt.containerservice import ContainerServiceClient
    from azure.mgmt.containerservice.models import ManagedCluster

logger = logging.getLogger(__name__)

DNS_PREFIX_MAX = 54
PRECONDITION_FAILED = 412
ASYNC_OPERATION_HEADER = "Azure-AsyncOperation"


class UntrustedOperationUrl(ValueError):
    """An operation URL outside the ARM endpoint: our bearer token must not go there."""


@dataclass(frozen=True)
class CreateAccepted:
    """ARM accepted the PUT: the cluster resource exists from here on."""

    provisioning_state: str | None
    resource_id: str | None
    operation_url: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form for an activity result."""
        return {
            "provisioning_state": self.provisioning_state,
            "resource_id": self.resource_id,
            "operation_url": self.operation_url,
        }


def dns_prefix_for(cluster_name: str) -> str:
    """A dnsPrefix derived from the cluster name: 1-54 of [A-Za-z0-9-], alnum at both ends."""
    cleaned = re.sub(r"[^A-Za-z0-9-]", "-", cluster_name)[:DNS_PREFIX_MAX]
    cleaned = cleaned.strip("-")
    return cleaned or "aks"


def cluster_parameters(request: ProvisionRequest, tags: dict[str, str]) -> ManagedCluster:
    """The ManagedCluster body: the System pool (and a User pool), identity, the product's tags.

    By default people sign in with Microsoft Entra ID and Azure RBAC, and local accounts
    (whose credential is a secret) are disabled; `access: local` keeps Kubernetes accounts.
    """
    from azure.mgmt.containerservice import models

    entra = request.access is AccessMode.ENTRA

    pools = [
        models.ManagedClusterAgentPoolProfile(
            name=name, mode=mode, vm_size=vm_size, count=count, os_type="Linux"
        )
        for name, mode, vm_size, count in request.pools
    ]
    return models.ManagedCluster(
        location=request.region,
        tags=dict(tags),
        identity=models.ManagedClusterIdentity(type="SystemAssigned"),
        properties=models.ManagedClusterProperties(
            dns_prefix=dns_prefix_for(request.cluster_name),
            kubernetes_version=request.kubernetes_version or None,
            agent_pool_profiles=pools,
            aad_profile=models.ManagedClusterAADProfile(managed=True, enable_azure_rbac=True)
            if entra
            else None,
            disable_local_accounts=True if entra else None,
        ),
    )


def _accepted(pipeline_response: Any, deserialized: Any, headers: Any) -> CreateAccepted:
    """NoPolling hands the initial response to this callback with empty headers: read raw ones."""
    raw_headers = pipeline_response.http_response.headers
    return CreateAccepted(
        provisioning_state=getattr(deserialized, "provisioning_state", None),
        resource_id=getattr(deserialized, "id", None),
        operation_url=raw_headers.get(ASYNC_OPERATION_HEADER) or None,
    )


def start_cluster_create(
    client: ContainerServiceClient,
    request: ProvisionRequest,
    tags: dict[str, str],
    *,
    etag: str | None = None,
) -> CreateAccepted:
    """Conditional PUT, returning as soon as ARM accepted it (no polling here).

    Without `etag` the PUT only creates (`If-None-Match: *`); with it, it only replaces
    that exact version (`If-Match`). Either way an existing cluster is never changed
    unnoticed: ARM answers 412 instead (see is_precondition_failed).
    """
    from azure.core import MatchConditions

    condition = MatchConditions.IfNotModified if etag else MatchConditions.IfMissing
    poller = client.managed_clusters.begin_create_or_update(
        request.resource_group,
        request.cluster_name,
        cluster_parameters(request, tags),
        etag=etag,
        match_condition=condition,
        polling=False,
        cls=_accepted,
    )
    # cls= replaces the deserialized result; the SDK's annotation still says ManagedCluster.
    accepted = cast(CreateAccepted, poller.result())
    logger.info(
        "ARM accepted create of %s/%s: %s",
        request.resource_group,
        request.cluster_name,
        accepted.provisioning_state,
    )
    return accepted


def is_precondition_failed(exc: BaseException) -> bool:
    """ARM refused a conditional request (412): the cluster is not in the state we assumed."""
    return getattr(exc, "status_code", None) == PRECONDITION_FAILED


def read_cluster(
    client: ContainerServiceClient, resource_group: str, name: str
) -> ExistingCluster | None:
    """The cluster's state, etag and tags, or None when the resource does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        cluster = client.managed_clusters.get(resource_group, name)
    except ResourceNotFoundError:
        return None
    return ExistingCluster(
        provisioning_state=cluster.provisioning_state,
        etag=cluster.e_tag,  # the SDK model names the body field "eTag" e_tag
        tags=dict(cluster.tags or {}),
    )


def read_cluster_state(
    client: ContainerServiceClient, resource_group: str, name: str
) -> str | None:
    """The cluster's provisioningState, or None when the resource does not exist."""
    existing = read_cluster(client, resource_group, name)
    return existing.provisioning_state if existing else None


def _check_same_origin(client: Any, url: str) -> None:
    config = getattr(client, "_config", None)
    base_url = getattr(config, "base_url", None)
    target = urlsplit(url)
    if target.scheme != "https":
        raise UntrustedOperationUrl(f"operation URL is not https: {url!r}")
    if base_url and urlsplit(base_url).netloc.lower() != target.netloc.lower():
        raise UntrustedOperationUrl(f"operation URL is not on the ARM endpoint: {url!r}")


def read_operation_error(
    client: ContainerServiceClient, operation_url: str
) -> tuple[str, str | None, str | None]:
    """(status, error code, message) of an async operation: why an accepted create failed."""
    from azure.core.rest import HttpRequest

    _check_same_origin(client, operation_url)
    response = client.send_request(HttpRequest("GET", operation_url))
    response.raise_for_status()
    body = response.json() or {}
    error = body.get("error") or {}
    return (
        str(body.get("status") or "Unknown"),
        error.get("code") or None,
        error.get("message") or None,
    )


class AbortAnswer(StrEnum):
    """What ARM said to an abort: took it, refused it, or said nothing (ask again later)."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNANSWERED = "unanswered"


def abort_cluster_operation(
    client: ContainerServiceClient, resource_group: str, name: str
) -> AbortAnswer:
    """Abort the cluster's running operation; a refusal and ARM's silence are told apart."""
    from azure.core.exceptions import AzureError

    from provisioning.errors.arm_unavailable import arm_did_not_answer

    try:
        client.managed_clusters.begin_abort_latest_operation(
            resource_group, name, polling=False
        ).result()
    except AzureError as exc:
        if arm_did_not_answer(exc):
            logger.warning("abort of %s/%s unanswered: %s", resource_group, name, type(exc))
            return AbortAnswer.UNANSWERED
        logger.warning("abort of %s/%s refused: %s", resource_group, name, exc)
        return AbortAnswer.REFUSED
    logger.info("abort requested for %s/%s", resource_group, name)
    return AbortAnswer.ACCEPTED


def _status_code(pipeline_response: Any, deserialized: Any, headers: Any) -> int:
    return int(pipeline_response.http_response.status_code)


def start_cluster_delete(
    client: ContainerServiceClient, resource_group: str, name: str, *, etag: str | None
) -> bool:
    """Start deleting the cluster (only that version when `etag` is given); False when gone."""
    from azure.core import MatchConditions
    from azure.core.exceptions import ResourceNotFoundError

    condition = MatchConditions.IfNotModified if etag else None
    try:
        status = client.managed_clusters.begin_delete(
            resource_group,
            name,
            etag=etag,
            match_condition=condition,
            polling=False,
            cls=_status_code,
        ).result()
    except ResourceNotFoundError:
        return False
    logger.info("delete of %s/%s accepted (HTTP %s)", resource_group, name, status)
    return status != 204
