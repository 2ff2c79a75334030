"""The managed-cluster model: what PUT stored, and its state at an instant (pure data)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.conditions import new_etag
from local.arm_simulator.kubernetes_versions import DEFAULT_KUBERNETES_VERSION
from local.arm_simulator.operations import (
    CREATE,
    POWER_AFTER,
    SUCCEEDED,
    UPGRADE,
    Operation,
    operation_status,
    pool_provisioning_state,
)

CLUSTER_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$")
RUNNING = "Running"


@dataclass
class Cluster:
    """A managed cluster as last written, its latest operation and what earlier ones settled."""

    subscription_id: str
    resource_group: str
    name: str
    location: str
    spec: dict[str, Any]
    tags: dict[str, str]
    created_at: float
    operation_id: str
    identity: dict[str, Any] | None = None
    etag: str = ""
    power_code: str = RUNNING
    current_version: str = ""
    # Node CPU (metrics): [moment, percent] changes from the control route, oldest first.
    cpu_changes: list[list[float]] = field(default_factory=list)
    # When the cluster last became Running, kept when a later operation replaces that one.
    running_since: float = 0.0
    # Role assignments at the cluster's scope, by name: they go when the cluster goes.
    role_assignments: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """State files written before eTags existed still load, with a fresh eTag."""
        if not self.etag:
            self.etag = new_etag()

    @property
    def local_accounts_disabled(self) -> bool:
        """True when the PUT asked for no local accounts (Entra ID sign-in only)."""
        return bool(self.spec.get("disableLocalAccounts"))

    @property
    def kubernetes_version(self) -> str:
        """The version the cluster was last asked to run."""
        return str(self.spec.get("kubernetesVersion") or DEFAULT_KUBERNETES_VERSION)


@dataclass(frozen=True)
class ClusterView:
    """A cluster together with its provisioning and power state at one instant."""

    cluster: Cluster
    provisioning_state: str
    operation: Operation
    power_state: str = RUNNING
    current_version: str = DEFAULT_KUBERNETES_VERSION

    def pool_state(self, pool_name: str, now: float) -> str:
        """The provisioningState of one agent pool at the same instant."""
        return pool_provisioning_state(self.operation, pool_name, self.provisioning_state, now)


@dataclass(frozen=True)
class PutOutcome:
    """The answer to a PUT: 201 with a new operation, or 200 for an update (maybe async)."""

    status: int
    view: ClusterView
    started: Operation | None


def settled_view(cluster: Cluster, op: Operation, state: str, now: float) -> ClusterView:
    """The view at `now`: a succeeded stop/start/upgrade has taken effect, others have not."""
    power = cluster.power_code
    version = cluster.current_version or cluster.kubernetes_version
    if op.kind == CREATE:
        version = cluster.kubernetes_version
    if operation_status(op, now).status == SUCCEEDED:
        power = POWER_AFTER.get(op.kind, power)
        if op.kind == UPGRADE:
            version = cluster.kubernetes_version
    return ClusterView(cluster, state, op, power_state=power, current_version=version)


def cluster_key(subscription_id: str, resource_group: str, name: str) -> str:
    """ARM names are case-insensitive: one key per subscription + resource group + name."""
    return f"{subscription_id}/{resource_group}/{name}".lower()


def resource_memory_key(resource_group: str, name: str) -> str:
    """Key of the per-resource memory (flaky- calls, failonce- creates): rg + name."""
    return f"{resource_group}/{name}".lower()


def validate_cluster_body(name: str, body: Any) -> tuple[str, dict[str, Any]]:
    """Minimal PUT validation; returns (normalised location, properties) or raises ArmError."""
    if not CLUSTER_NAME_PATTERN.match(name):
        raise arm_errors.invalid_parameter(
            "name", f"'{name}' must match {CLUSTER_NAME_PATTERN.pattern}."
        )
    if not isinstance(body, dict):
        raise arm_errors.invalid_request_content("the body must be a JSON object.")
    location = body.get("location")
    if not isinstance(location, str) or not location.strip():
        raise arm_errors.invalid_parameter("location", "a location is required.")
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise arm_errors.invalid_parameter("properties", "the properties object is required.")
    pools = properties.get("agentPoolProfiles")
    if not isinstance(pools, list) or not pools or not all(isinstance(p, dict) for p in pools):
        raise arm_errors.invalid_parameter(
            "agentPoolProfiles", "at least one agent pool profile is required."
        )
    for index, pool in enumerate(pools):
        if not isinstance(pool.get("name"), str) or not pool["name"]:
            raise arm_errors.invalid_parameter(
                f"agentPoolProfiles[{index}].name", "every agent pool needs a name."
            )
    return location.replace(" ", "").lower(), properties


def required_cores(properties: dict[str, Any]) -> int:
    """vCPUs the agent pools of a PUT body ask for."""
    total = 0
    for pool in properties.get("agentPoolProfiles", []):
        count = pool.get("count") if isinstance(pool.get("count"), int) else 1
        total += arm_errors.vcpus_of(str(pool.get("vmSize") or "")) * max(count, 1)
    return total


def first_vm_size(properties: dict[str, Any]) -> str:
    """The VM size of the first agent pool (what SkuNotAvailable names)."""
    pools = properties.get("agentPoolProfiles") or [{}]
    return str(pools[0].get("vmSize") or "Standard_DS2_v2")
