"""The registry of operation types: one OperationSpec per type, read by every layer.

A spec says everything the product knows about an operation type: its task type, the route
and body that ask for it, the cluster states that allow it, its step table, whether it can
be cancelled and what its success resolves. The HTTP handlers, the OpenAPI document, the
orchestration skeleton, the JobState row, the clusters list's `actions` (and through it the
dashboard) all read it, so a rule is written once. Adding a type is a walk-through in
docs/architecture.md ("Adding an operation type").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from provisioning.models import BROKEN_CLUSTER_STATES, ClusterChange, TaskType
from provisioning.operations.change_rules import (
    ChangeFacts,
    check_pool_add,
    check_pool_autoscale,
    check_pool_delete,
    check_scale,
    check_upgrade,
    pool_add_body,
    pool_autoscale_body,
    pool_delete_body,
)
from provisioning.operations.step_tables import TERMINAL_CLUSTER_STATES, OperationSteps
from provisioning.requests.validation import (
    POOL_NAME_PATTERN,
    RequestValidationError,
    node_count_in_bounds,
)

if TYPE_CHECKING:
    from provisioning.clusters.inventory import ClusterView

# Cluster provisioningStates after which ARM will not change the cluster on its own.
SETTLED_STATES = TERMINAL_CLUSTER_STATES
# A create that ARM gave up on (Failed) or that was aborted (Canceled): only Delete applies.
BROKEN_STATES = BROKEN_CLUSTER_STATES
CHANGING_STATES = frozenset(
    {"Creating", "Updating", "Upgrading", "Scaling", "Stopping", "Starting", "Deleting"}
)
RUNNING, STOPPED = "Running", "Stopped"
ANY_POWER: frozenset[str | None] = frozenset({RUNNING, STOPPED, None})


class Resolves(StrEnum):
    """What a successful task of a type makes moot (see docs/architecture.md, "Resolved")."""

    NOTHING = "nothing"
    # Earlier failures for the same resource group + cluster name, and the one it retried.
    FAILURES_OF_ITS_CLUSTER = "failures_of_its_cluster"
    # A delete: the cluster is gone, so are its failures (and the attempt it cleaned up).
    FAILURES_OF_A_GONE_CLUSTER = "failures_of_a_gone_cluster"


class Orchestration(StrEnum):
    """The orchestration functions the operation types run on (one skeleton, three shapes)."""

    PROVISION = "provision_cluster"
    DELETE = "delete_cluster"
    CHANGE = "change_cluster"


@dataclass(frozen=True)
class AllowedStates:
    """The provisioning and power states in which an operation may start."""

    provisioning_states: frozenset[str]
    power_states: frozenset[str | None]


# (the body's fields, the name the route targets: the cluster's, or the pool's on a pool route)
BodyParser = Callable[[Mapping[str, Any], str], ClusterChange | None]
# Checks the change against the cluster (and the facts it may read) before it is accepted.
ChangeCheck = Callable[[ClusterChange | None, "ClusterView", ChangeFacts], None]
POOL_PARAMETER = "pool"


@dataclass(frozen=True)
class OperationSpec:
    """One operation type, declared once."""

    task_type: TaskType
    orchestration: Orchestration
    steps: OperationSteps
    # Words for messages: "could not <verb>", "A stopped cluster cannot be <participle>",
    # "Another operation is running: <running>".
    verb: str
    participle: str
    running: str
    summary: str
    cancellable: bool = True
    resolves: Resolves = Resolves.NOTHING
    # A cluster operation: its `actions` kind and route under /api/aks/clusters/{rg}/{name}/.
    action: str | None = None
    body_fields: tuple[str, ...] = ()
    parse_body: BodyParser | None = None
    allowed: AllowedStates | None = None
    # The route suffix when it is not the action's name ("pools/{pool}/delete"), and the
    # name of the operation in function names and schemas when several share one action.
    path: str | None = None
    key: str | None = None
    # What the change asks of the cluster (a pool that exists, room in the quota), if anything.
    check: ChangeCheck | None = None
    # How a failed start names the operation ("Could not start the <noun>").
    noun: str | None = None

    @property
    def route(self) -> str | None:
        """The route suffix of a cluster operation (the action's name by default), else None."""
        return self.path or self.action

    @property
    def name(self) -> str:
        """The operation's identifier ("scale", "pool_add"): function and schema names."""
        return self.key or self.action or str(self.task_type)

    @property
    def targets_pool(self) -> bool:
        """Whether the route names one of the cluster's node pools (`{pool}`)."""
        return f"{{{POOL_PARAMETER}}}" in (self.route or "")


def _no_change(fields: Mapping[str, Any], cluster_name: str) -> ClusterChange | None:
    return None


def _pool_name(fields: Mapping[str, Any], name: str = "node_pool") -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not POOL_NAME_PATTERN.fullmatch(value):
        raise RequestValidationError(
            name, f"{name} must be the name of one of the cluster's node pools"
        )
    return value


def _scale_body(fields: Mapping[str, Any], cluster_name: str) -> ClusterChange:
    return ClusterChange(
        node_pool=_pool_name(fields), node_count=node_count_in_bounds(fields.get("node_count"))
    )


def _upgrade_body(fields: Mapping[str, Any], cluster_name: str) -> ClusterChange:
    value = fields.get("kubernetes_version")
    if not isinstance(value, str) or not value or len(value) > 32:
        raise RequestValidationError("kubernetes_version", "kubernetes_version is required")
    return ClusterChange(kubernetes_version=value)


def _delete_body(fields: Mapping[str, Any], cluster_name: str) -> ClusterChange | None:
    if fields.get("confirm") != cluster_name:
        raise RequestValidationError(
            "confirm", "confirm must be the cluster name exactly, to delete it"
        )
    return None


HEALTHY_RUNNING = AllowedStates(frozenset({"Succeeded"}), frozenset({RUNNING}))

PROVISION = OperationSpec(
    TaskType.AKS_PROVISION,
    Orchestration.PROVISION,
    OperationSteps(
        submitting="Submitting cluster to Azure",
        waiting="Creating cluster",
        succeeded="Succeeded",
        # The caller gets the two AKS access roles on the new cluster (README, Connecting).
        granting="Granting you access",
    ),
    verb="create",
    participle="created",
    running="Creating",
    summary="Create an AKS cluster.",
    resolves=Resolves.FAILURES_OF_ITS_CLUSTER,
)
DELETE = OperationSpec(
    TaskType.AKS_DELETE,
    Orchestration.DELETE,
    OperationSteps(
        submitting="Deleting cluster", waiting="Waiting for deletion", succeeded="Deleted"
    ),
    verb="delete",
    participle="deleted",
    running="Deleting",
    summary="Delete one of your clusters after its name was typed to confirm.",
    # ARM cannot take a started delete back.
    cancellable=False,
    resolves=Resolves.FAILURES_OF_A_GONE_CLUSTER,
    action="delete",
    body_fields=("confirm",),
    parse_body=_delete_body,
    allowed=AllowedStates(SETTLED_STATES | (CHANGING_STATES - {"Deleting"}), ANY_POWER),
)
STOP = OperationSpec(
    TaskType.AKS_STOP,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Stopping cluster",
        waiting="Waiting for the cluster to stop",
        succeeded="Stopped",
    ),
    verb="stop",
    participle="stopped",
    running="Stopping",
    summary="Stop (power off) one of your running clusters.",
    action="stop",
    parse_body=_no_change,
    allowed=HEALTHY_RUNNING,
)
START = OperationSpec(
    TaskType.AKS_START,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Starting cluster",
        waiting="Waiting for the cluster to start",
        succeeded="Started",
    ),
    verb="start",
    participle="started",
    running="Starting",
    summary="Start one of your stopped clusters.",
    action="start",
    parse_body=_no_change,
    allowed=AllowedStates(frozenset({"Succeeded"}), frozenset({STOPPED})),
)
SCALE = OperationSpec(
    TaskType.AKS_SCALE,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Scaling node pool", waiting="Waiting for the node pool", succeeded="Scaled"
    ),
    verb="scale",
    participle="scaled",
    running="Scaling",
    summary="Change one node pool's node count.",
    action="scale",
    body_fields=("node_pool", "node_count"),
    parse_body=_scale_body,
    allowed=HEALTHY_RUNNING,
    check=check_scale,
)
UPGRADE = OperationSpec(
    TaskType.AKS_UPGRADE,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Upgrading control plane",
        waiting="Waiting for the upgrade",
        succeeded="Upgraded",
    ),
    verb="upgrade",
    participle="upgraded",
    running="Upgrading",
    summary="Upgrade the cluster to one of its `upgrades`.",
    action="upgrade",
    body_fields=("kubernetes_version",),
    parse_body=_upgrade_body,
    allowed=HEALTHY_RUNNING,
    check=check_upgrade,
)
# The three node-pool operations share the `node_pools` action (README "Node pools"), so
# they share its refusal sentence too ("A stopped cluster cannot be changed in its node pools").
POOL_CHANGES = "changed in its node pools"
POOL_ADD = OperationSpec(
    TaskType.AKS_POOL_ADD,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Adding node pool",
        waiting="Waiting for the new node pool",
        succeeded="Node pool added",
    ),
    verb="add a node pool to",
    participle=POOL_CHANGES,
    running="Adding a node pool",
    summary="Add a User node pool (a fixed count or autoscaled; maxSurge 10%).",
    action="node_pools",
    path="pools",
    key="pool_add",
    body_fields=("name", "vm_size", "node_count", "autoscale"),
    parse_body=pool_add_body,
    allowed=HEALTHY_RUNNING,
    check=check_pool_add,
    noun="node pool add",
)
POOL_AUTOSCALE = OperationSpec(
    TaskType.AKS_POOL_AUTOSCALE,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Updating the autoscaler",
        waiting="Waiting for the node pool",
        succeeded="Autoscaler updated",
    ),
    verb="change the autoscaler of",
    participle=POOL_CHANGES,
    running="Changing the autoscaler",
    summary="Turn a node pool's autoscaler on (min, max) or off (enabled false, node_count).",
    action="node_pools",
    path=f"pools/{{{POOL_PARAMETER}}}/autoscale",
    key="pool_autoscale",
    body_fields=("min", "max", "enabled", "node_count"),
    parse_body=pool_autoscale_body,
    allowed=HEALTHY_RUNNING,
    check=check_pool_autoscale,
    noun="autoscaler change",
)
POOL_DELETE = OperationSpec(
    TaskType.AKS_POOL_DELETE,
    Orchestration.CHANGE,
    OperationSteps(
        submitting="Deleting node pool",
        waiting="Waiting for the node pool to go",
        succeeded="Node pool deleted",
    ),
    verb="delete a node pool of",
    participle=POOL_CHANGES,
    running="Deleting a node pool",
    summary="Delete a node pool after its name was typed to confirm (never the only System pool).",
    # Like a cluster's, a pool's deletion cannot be taken back once Azure started it.
    cancellable=False,
    action="node_pools",
    path=f"pools/{{{POOL_PARAMETER}}}/delete",
    key="pool_delete",
    body_fields=("confirm",),
    parse_body=pool_delete_body,
    allowed=HEALTHY_RUNNING,
    check=check_pool_delete,
    noun="node pool delete",
)

SPECS: tuple[OperationSpec, ...] = (
    PROVISION,
    DELETE,
    STOP,
    START,
    SCALE,
    UPGRADE,
    POOL_ADD,
    POOL_AUTOSCALE,
    POOL_DELETE,
)
_BY_TYPE: dict[TaskType, OperationSpec] = {spec.task_type: spec for spec in SPECS}
# Operations asked for on a cluster's own route, in the order the dashboard shows them.
CLUSTER_OPERATIONS: tuple[OperationSpec, ...] = (
    STOP,
    START,
    SCALE,
    UPGRADE,
    POOL_ADD,
    POOL_AUTOSCALE,
    POOL_DELETE,
    DELETE,
)


def spec_for(task_type: TaskType | str) -> OperationSpec:
    """The spec of an operation type (ValueError for a type that is not one)."""
    return _BY_TYPE[TaskType(task_type)]


def steps_for(task_type: TaskType | str) -> OperationSteps:
    """The step table of an operation type."""
    return spec_for(task_type).steps


def cluster_operation(route: str) -> OperationSpec:
    """The cluster operation asked for on route `…/{route}` (StopIteration if none)."""
    return next(spec for spec in CLUSTER_OPERATIONS if spec.route == route)


def refusal_for(
    spec: OperationSpec, provisioning_state: str | None, power_state: str | None
) -> str | None:
    """Why the cluster's state forbids `spec` now (a sentence), or None when it allows it."""
    allowed = spec.allowed
    if allowed is None:
        return f"{spec.verb} is not an operation on an existing cluster"
    if provisioning_state in allowed.provisioning_states and power_state in allowed.power_states:
        return None
    if provisioning_state in BROKEN_STATES:
        return f"A {provisioning_state.lower()} cluster can only be deleted"
    if provisioning_state == "Deleting":
        return "The cluster is being deleted"
    if provisioning_state not in allowed.provisioning_states:
        state = provisioning_state or "in an unknown state"
        return f"The cluster is {state}; wait until it settles"
    if power_state:
        return f"A {power_state.lower()} cluster cannot be {spec.participle}"
    return f"A cluster whose power state is unknown cannot be {spec.participle}"
