"""JSON bodies in ARM's shapes: the managedCluster resource and the operation status."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from local.arm_simulator.cluster_model import ClusterView
from local.arm_simulator.kubernetes_versions import running_patch, upgrades_from
from local.arm_simulator.operations import FAILED, Operation, operation_status

DEFAULT_VM_SIZE = "Standard_DS2_v2"
PROVIDER = "Microsoft.ContainerService"


def arm_time(timestamp: float) -> str:
    """ARM's UTC timestamp format."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cluster_resource_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The id AKS reports (it spells `resourcegroups` in lower case)."""
    return (
        f"/subscriptions/{subscription_id}/resourcegroups/{resource_group}"
        f"/providers/{PROVIDER}/managedClusters/{name}"
    )


def operation_path(op: Operation) -> str:
    """Path of the Azure-AsyncOperation status resource."""
    return (
        f"/subscriptions/{op.subscription_id}/providers/{PROVIDER}/locations/{op.location}"
        f"/operations/{op.id}"
    )


def operation_result_path(op: Operation) -> str:
    """Path of the Location (operation result) resource."""
    return (
        f"/subscriptions/{op.subscription_id}/providers/{PROVIDER}/locations/{op.location}"
        f"/operationresults/{op.id}"
    )


def _default_dns_prefix(name: str, resource_group: str, subscription_id: str) -> str:
    prefix = f"{name[:10]}-{resource_group[:16]}-{subscription_id[:6]}"
    cleaned = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in prefix).strip("-")
    return cleaned or "aks"


def pool_profiles(view: ClusterView, now: float) -> list[dict[str, Any]]:
    """The agent pool profiles as GET reports them, each with its own state."""
    cluster = view.cluster
    pools = []
    for pool in cluster.spec.get("agentPoolProfiles", []):
        pools.append(
            {
                "count": 1,
                "vmSize": DEFAULT_VM_SIZE,
                "osType": "Linux",
                "osSKU": "Ubuntu",
                "mode": "System",
                "type": "VirtualMachineScaleSets",
                "maxPods": 110,
                **pool,
                "orchestratorVersion": pool.get("orchestratorVersion")
                or cluster.kubernetes_version,
                "currentOrchestratorVersion": pool.get("orchestratorVersion")
                or view.current_version,
                "provisioningState": view.pool_state(str(pool.get("name", "")), now),
                "powerState": {"code": view.power_state},
            }
        )
    return pools


def cluster_document(view: ClusterView, now: float) -> dict[str, Any]:
    """The managedCluster resource as GET returns it."""
    cluster = view.cluster
    spec = cluster.spec
    dns_prefix = str(
        spec.get("dnsPrefix")
        or _default_dns_prefix(cluster.name, cluster.resource_group, cluster.subscription_id)
    )
    digest = hashlib.sha256(
        f"{cluster.subscription_id}/{cluster.resource_group}/{cluster.name}".lower().encode()
    ).hexdigest()[:8]
    fqdn = f"{dns_prefix}-{digest}.hcp.{cluster.location}.azmk8s.io"
    properties: dict[str, Any] = {
        **{k: v for k, v in spec.items() if k not in {"agentPoolProfiles", "status"}},
        "provisioningState": view.provisioning_state,
        "powerState": {"code": view.power_state},
        "kubernetesVersion": cluster.kubernetes_version,
        "currentKubernetesVersion": running_patch(view.current_version),
        "dnsPrefix": dns_prefix,
        "fqdn": fqdn,
        "azurePortalFQDN": f"{dns_prefix}-{digest}.portal.hcp.{cluster.location}.azmk8s.io",
        "agentPoolProfiles": pool_profiles(view, now),
        "nodeResourceGroup": spec.get("nodeResourceGroup")
        or f"MC_{cluster.resource_group}_{cluster.name}_{cluster.location}",
        "enableRBAC": spec.get("enableRBAC", True),
        "maxAgentPools": 100,
    }
    if view.provisioning_state == FAILED and view.operation.error:
        properties["status"] = {"provisioningError": view.operation.error}
    document: dict[str, Any] = {
        "id": cluster_resource_id(cluster.subscription_id, cluster.resource_group, cluster.name),
        "location": cluster.location,
        "name": cluster.name,
        "type": f"{PROVIDER}/ManagedClusters",
        "eTag": cluster.etag,
        "tags": cluster.tags,
        "sku": {"name": "Base", "tier": "Free"},
        "properties": properties,
    }
    if cluster.identity is not None:
        document["identity"] = cluster.identity
    return document


def agent_pool_document(view: ClusterView, pool_name: str, now: float) -> dict[str, Any] | None:
    """GET .../agentPools/{pool}: one pool profile as its own sub-resource; None when absent."""
    cluster = view.cluster
    for profile in pool_profiles(view, now):
        if str(profile.get("name", "")).lower() == pool_name.lower():
            name = str(profile["name"])
            resource_id = cluster_resource_id(
                cluster.subscription_id, cluster.resource_group, cluster.name
            )
            return {
                "id": f"{resource_id}/agentPools/{name}",
                "name": name,
                "type": f"{PROVIDER}/managedClusters/agentPools",
                "eTag": cluster.etag,
                "properties": {k: v for k, v in profile.items() if k != "name"},
            }
    return None


def upgrade_profile_document(view: ClusterView) -> dict[str, Any]:
    """GET .../upgradeProfiles/default: every newer GA version, for control plane and pools."""
    cluster = view.cluster
    current = view.current_version
    upgrades = [{"kubernetesVersion": v, "isPreview": False} for v in upgrades_from(current)]
    resource_id = cluster_resource_id(cluster.subscription_id, cluster.resource_group, cluster.name)
    return {
        "id": f"{resource_id}/upgradeprofiles/default",
        "name": "default",
        "type": f"{PROVIDER}/managedClusters/upgradeprofiles",
        "properties": {
            "controlPlaneProfile": {
                "kubernetesVersion": current,
                "osType": "Linux",
                "upgrades": upgrades,
            },
            "agentPoolProfiles": [
                {
                    "name": str(pool.get("name", "")),
                    "kubernetesVersion": current,
                    "osType": "Linux",
                    "upgrades": upgrades,
                }
                for pool in cluster.spec.get("agentPoolProfiles", [])
            ],
        },
    }


def operation_document(op: Operation, now: float) -> dict[str, Any]:
    """The Azure-AsyncOperation status body (always answered with 200)."""
    status = operation_status(op, now)
    document: dict[str, Any] = {
        "id": operation_path(op),
        "name": op.id,
        "status": status.status,
        "startTime": arm_time(op.started_at),
    }
    if status.end_time is not None:
        document["endTime"] = arm_time(status.end_time)
    if status.error is not None:
        document["error"] = {"code": status.error["code"], "message": status.error["message"]}
    return document
