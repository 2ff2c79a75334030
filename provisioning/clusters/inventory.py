"""Your clusters: one subscription list call, filtered by the caller's owner tag (README).

Upgrades come from data already at hand: the region's Kubernetes version catalog (cached
for an hour) lists, per patch version, where a cluster may upgrade — so the list costs one
ARM call per request, whatever the number of clusters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from provisioning.clusters.access_grants import connect_commands
from provisioning.clusters.ownership import TASK_ID_TAG, ExistingCluster
from provisioning.models import AccessMode, PoolAutoscale

SYSTEM_MODE = "System"
_RESOURCE_GROUP_IN_ID = re.compile(r"/resourceGroups/([^/]+)/", re.IGNORECASE)
_SUBSCRIPTION_IN_ID = re.compile(r"^/subscriptions/([^/]+)/", re.IGNORECASE)
# A stopped cluster has no API server to connect to.
STOPPED = "Stopped"
DELETING = "Deleting"


@dataclass(frozen=True)
class NodePoolView:
    """One agent pool as ARM reports it."""

    name: str
    mode: str
    vm_size: str
    count: int
    provisioning_state: str | None
    power_state: str | None
    # The cluster autoscaler's bounds while it is on for this pool, else None.
    autoscale: PoolAutoscale | None = None
    # upgradeSettings.maxSurge as ARM holds it ("10%", "1"), or None when unset.
    max_surge: str | None = None

    @property
    def is_system(self) -> bool:
        """A System pool runs the cluster's own pods; a cluster keeps at least one."""
        return self.mode.lower() == SYSTEM_MODE.lower()

    def to_dict(self) -> dict[str, Any]:
        """The cluster document's `node_pools[]` entry."""
        return {
            "name": self.name,
            "mode": self.mode,
            "vm_size": self.vm_size,
            "count": self.count,
            "provisioning_state": self.provisioning_state,
            "power_state": self.power_state,
            "autoscale": self.autoscale.to_dict() if self.autoscale else None,
            "max_surge": self.max_surge,
        }


@dataclass(frozen=True)
class ClusterView:
    """A managed cluster from the list call: what the dashboard shows and the rules read."""

    id: str
    name: str
    resource_group: str
    region: str
    provisioning_state: str | None
    power_state: str | None
    kubernetes_version: str | None
    node_pools: tuple[NodePoolView, ...]
    fqdn: str | None
    etag: str | None
    tags: dict[str, str] = field(default_factory=dict)
    # Microsoft Entra ID sign-in (aadProfile.managed) and no local accounts: no secret exists.
    entra_id: bool = False
    local_accounts_disabled: bool = False

    @property
    def access_mode(self) -> AccessMode:
        """Entra when people can only sign in with Entra ID; local while a secret could exist."""
        if self.entra_id and self.local_accounts_disabled:
            return AccessMode.ENTRA
        return AccessMode.LOCAL

    @property
    def has_server(self) -> bool:
        """True when there is an API server to connect to (an FQDN, not stopped, not deleting)."""
        return (
            bool(self.fqdn)
            and self.power_state != STOPPED
            and (self.provisioning_state != DELETING)
        )

    @property
    def subscription_id(self) -> str:
        """The subscription named in the cluster's ARM id."""
        found = _SUBSCRIPTION_IN_ID.search(self.id or "")
        return found.group(1) if found else ""

    def access(self) -> dict[str, Any]:
        """The cluster document's `access`: how to connect, and whether a kubeconfig is offered.

        `kubeconfig` is true only when the download route would answer 200 now: an Entra
        cluster (its kubeconfig holds no secret) that has a running API server.
        """
        mode = self.access_mode
        return {
            "mode": str(mode),
            "commands": connect_commands(
                self.subscription_id, self.resource_group, self.name, mode
            ),
            "kubeconfig": mode is AccessMode.ENTRA and self.has_server,
        }

    @property
    def node_count(self) -> int:
        """Nodes across every pool."""
        return sum(pool.count for pool in self.node_pools)

    @property
    def key(self) -> tuple[str, str]:
        """(resource group, name), case-insensitive as ARM compares them."""
        return self.resource_group.lower(), self.name.lower()

    def ownership(self) -> ExistingCluster:
        """The tags and state the ownership rules read."""
        return ExistingCluster(self.provisioning_state, self.etag, dict(self.tags))

    def pool(self, name: str) -> NodePoolView | None:
        """The agent pool called `name`, if the cluster has it."""
        return next((p for p in self.node_pools if p.name == name), None)

    def to_document(
        self,
        portal_url: str,
        upgrades: list[str],
        operation: dict[str, Any] | None,
        actions: list[dict[str, Any]],
        *,
        guardrails: dict[str, Any] | None = None,
        cost: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The cluster document of GET /api/aks/clusters (README "API"), guardrails and cost."""
        return {
            "id": self.id,
            "name": self.name,
            "resource_group": self.resource_group,
            "region": self.region,
            "provisioning_state": self.provisioning_state,
            "power_state": self.power_state,
            "kubernetes_version": self.kubernetes_version,
            "node_count": self.node_count,
            "node_pools": [pool.to_dict() for pool in self.node_pools],
            "fqdn": self.fqdn,
            "portal_url": portal_url,
            "created_by_task": self.tags.get(TASK_ID_TAG),
            "upgrades": upgrades,
            "operation": operation,
            "actions": actions,
            "access": self.access(),
            "guardrails": guardrails,
            "cost": cost,
        }


def resource_group_of(resource_id: str) -> str:
    """The resource group named in an ARM id ("" when the id has none)."""
    found = _RESOURCE_GROUP_IN_ID.search(resource_id or "")
    return found.group(1) if found else ""


def cluster_view(cluster: Any) -> ClusterView:
    """Map the SDK's ManagedCluster to a ClusterView."""
    power = _text(getattr(cluster.power_state, "code", None)) if cluster.power_state else None
    pools = tuple(
        NodePoolView(
            name=profile.name,
            mode=_text(profile.mode) or "User",
            vm_size=profile.vm_size or "",
            count=int(profile.count or 0),
            provisioning_state=profile.provisioning_state,
            power_state=_text(getattr(profile.power_state, "code", None))
            if profile.power_state
            else None,
            autoscale=_autoscale(profile),
            max_surge=getattr(profile.upgrade_settings, "max_surge", None) or None,
        )
        for profile in cluster.agent_pool_profiles or []
    )
    return ClusterView(
        id=cluster.id or "",
        name=cluster.name or "",
        resource_group=resource_group_of(cluster.id or ""),
        region=cluster.location or "",
        provisioning_state=cluster.provisioning_state,
        power_state=power,
        kubernetes_version=cluster.current_kubernetes_version or cluster.kubernetes_version,
        node_pools=pools,
        fqdn=cluster.fqdn,
        etag=cluster.e_tag,
        tags=dict(cluster.tags or {}),
        entra_id=bool(cluster.aad_profile and cluster.aad_profile.managed),
        local_accounts_disabled=bool(cluster.disable_local_accounts),
    )


def _autoscale(profile: Any) -> PoolAutoscale | None:
    """The pool's autoscaler bounds when it is on (a pool without bounds reads as off)."""
    low, high = getattr(profile, "min_count", None), getattr(profile, "max_count", None)
    if not getattr(profile, "enable_auto_scaling", False) or low is None or high is None:
        return None
    return PoolAutoscale(int(low), int(high))


def _text(value: Any) -> str | None:
    """An SDK enum or string as its wire value ("System", not "AgentPoolMode.SYSTEM")."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def read_all_clusters(container_client: Any) -> list[ClusterView]:
    """Every cluster the app's identity may read in the subscription: ONE list call (paged)."""
    return [cluster_view(cluster) for cluster in container_client.managed_clusters.list()]


def read_one_cluster(container_client: Any, resource_group: str, name: str) -> ClusterView | None:
    """One cluster by name, or None when it does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return cluster_view(container_client.managed_clusters.get(resource_group, name))
    except ResourceNotFoundError:
        return None
