"""Value types shared by the domain: attempt request, progress, classified error."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class TaskType(StrEnum):
    """What an attempt does (JobState `Type`)."""

    AKS_PROVISION = "aks_provision"
    AKS_DELETE = "aks_delete"
    AKS_STOP = "aks_stop"
    AKS_START = "aks_start"
    AKS_SCALE = "aks_scale"
    AKS_UPGRADE = "aks_upgrade"
    AKS_POOL_ADD = "aks_pool_add"
    AKS_POOL_DELETE = "aks_pool_delete"
    AKS_POOL_AUTOSCALE = "aks_pool_autoscale"


class AccessMode(StrEnum):
    """How people sign in to a cluster's API server (the provision body's `access`)."""

    # Microsoft Entra ID with Azure RBAC, local accounts disabled: no secret ever handed out.
    ENTRA = "entra"
    # Kubernetes local accounts (a client certificate): the behaviour before Entra by default.
    LOCAL = "local"


class Trigger(StrEnum):
    """Who started a task (JobState `Trigger`): the user, or the guardrail that did."""

    USER = "user"
    IDLE = "idle"
    SCHEDULE = "schedule"
    EXPIRY = "expiry"


class TaskStatus(StrEnum):
    """Lifecycle of an attempt (JobState `Status`): queued -> running -> terminal."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Terminal statuses are never overwritten by a non-terminal update."""
        return self in TERMINAL_STATUSES


# ARM cluster provisioningStates, spelled once: a create that failed or was aborted, and every
# state after which ARM will not change the cluster on its own.
BROKEN_CLUSTER_STATES = frozenset({"Failed", "Canceled"})
SETTLED_CLUSTER_STATES = BROKEN_CLUSTER_STATES | {"Succeeded"}

TERMINAL_STATUSES = frozenset({TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED})
ACTIVE_STATUSES = frozenset({TaskStatus.QUEUED, TaskStatus.RUNNING})


class ErrorCategory(StrEnum):
    """What kind of failure the user hit, which decides the advice we give."""

    QUOTA = "quota"
    SKU = "sku"
    REGION = "region"
    PERMISSION = "permission"
    INVALID_REQUEST = "invalid_request"
    CONFLICT = "conflict"
    TRANSIENT = "transient"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NodePool:
    """A second, User-mode node pool for workloads (the first pool is the System pool)."""

    node_vm_size: str
    node_count: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the task document's `request.user_pool`."""
        return {"node_vm_size": self.node_vm_size, "node_count": self.node_count}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> NodePool | None:
        """Rebuild from to_dict() output (None stays None)."""
        if not data:
            return None
        return cls(node_vm_size=str(data["node_vm_size"]), node_count=int(data["node_count"]))


@dataclass(frozen=True)
class PoolAutoscale:
    """A node pool's cluster autoscaler bounds: AKS keeps its count within min..max."""

    min: int
    max: int

    def to_dict(self) -> dict[str, int]:
        """JSON form: the cluster document's `node_pools[].autoscale` and request bodies."""
        return {"min": self.min, "max": self.max}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PoolAutoscale | None:
        """Rebuild from to_dict() output (None stays None)."""
        if not data:
            return None
        return cls(min=int(data["min"]), max=int(data["max"]))


@dataclass(frozen=True)
class ProvisionRequest:
    """A validated cluster request; every field is safe to send to ARM."""

    subscription_id: str
    resource_group: str
    cluster_name: str
    region: str
    node_vm_size: str
    node_count: int
    kubernetes_version: str | None
    user_pool: NodePool | None = None
    access: AccessMode = AccessMode.ENTRA

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (orchestration input, task document `request`)."""
        data = asdict(self)
        data["access"] = str(self.access)
        return data

    @property
    def pools(self) -> tuple[tuple[str, str, str, int], ...]:
        """(name, mode, VM size, count) of every pool, the System pool first."""
        pools = [("system", "System", self.node_vm_size, self.node_count)]
        if self.user_pool is not None:
            pools.append(
                ("workload", "User", self.user_pool.node_vm_size, self.user_pool.node_count)
            )
        return tuple(pools)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProvisionRequest:
        """Rebuild from to_dict() output."""
        return cls(
            subscription_id=str(data["subscription_id"]),
            resource_group=str(data["resource_group"]),
            cluster_name=str(data["cluster_name"]),
            region=str(data["region"]),
            node_vm_size=str(data["node_vm_size"]),
            node_count=int(data["node_count"]),
            kubernetes_version=data.get("kubernetes_version") or None,
            user_pool=NodePool.from_dict(data.get("user_pool")),
            access=AccessMode(data.get("access") or AccessMode.ENTRA),
        )


@dataclass(frozen=True)
class ErrorAction:
    """Something the user can do about a failure (a link or an in-app action)."""

    kind: str  # e.g. "link", "edit", "portal", "delete_cluster", "grant_access"
    label: str
    url: str | None = None
    # Commands someone with more rights can run (e.g. an admin's `az role assignment create`).
    commands: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in the task document's error.actions (`commands` only when any)."""
        data: dict[str, Any] = {"kind": self.kind, "label": self.label, "url": self.url}
        if self.commands:
            data["commands"] = list(self.commands)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorAction:
        """Rebuild from to_dict() output."""
        return cls(
            kind=str(data["kind"]),
            label=str(data["label"]),
            url=data.get("url"),
            commands=tuple(str(command) for command in data.get("commands") or ()),
        )


@dataclass(frozen=True)
class ClassifiedError:
    """A failure in words the user can act on (message capped at 4 KiB)."""

    code: str
    category: ErrorCategory
    message: str
    retryable: bool
    actions: tuple[ErrorAction, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the task document's `error` object."""
        return {
            "code": self.code,
            "category": str(self.category),
            "message": self.message,
            "retryable": self.retryable,
            "actions": [a.to_dict() for a in self.actions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassifiedError:
        """Rebuild from to_dict() output (e.g. an activity result)."""
        return cls(
            code=str(data["code"]),
            category=ErrorCategory(data["category"]),
            message=str(data["message"]),
            retryable=bool(data["retryable"]),
            actions=tuple(ErrorAction.from_dict(a) for a in data.get("actions", [])),
        )


@dataclass(frozen=True)
class ClusterChange:
    """What a lifecycle operation changes: a pool (its count, size, autoscaler) or the version.

    A pool add names the pool, its VM size and a count or autoscaler bounds; a pool
    autoscale names bounds to turn it on, or none and a count to turn it off.
    """

    node_pool: str | None = None
    node_count: int | None = None
    kubernetes_version: str | None = None
    vm_size: str | None = None
    autoscale: PoolAutoscale | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON inside the operation input."""
        return {
            "node_pool": self.node_pool,
            "node_count": self.node_count,
            "kubernetes_version": self.kubernetes_version,
            "vm_size": self.vm_size,
            "autoscale": self.autoscale.to_dict() if self.autoscale else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ClusterChange | None:
        """Rebuild the change (None stays None)."""
        if not data:
            return None
        count = data.get("node_count")
        return cls(
            data.get("node_pool"),
            int(count) if count is not None else None,
            data.get("kubernetes_version"),
            data.get("vm_size"),
            PoolAutoscale.from_dict(data.get("autoscale")),
        )
