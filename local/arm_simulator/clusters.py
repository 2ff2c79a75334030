"""Managed clusters and their operations; states are computed from timestamps, not timers."""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.conditions import (
    UNCONDITIONAL,
    WriteConditions,
    new_etag,
    precondition_failure,
)
from local.arm_simulator.scenarios import (
    Scenario,
    SimulatorTimings,
    plan_create,
    scenario_for_name,
)

logger = logging.getLogger(__name__)

CREATE = "create"
DELETE = "delete"
ABORT = "abort"

IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
CANCELED = "Canceled"

CLUSTER_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$")
STATE_VERSION = 1


@dataclass
class Operation:
    """One asynchronous ARM operation, fully described by when it started and how it ends."""

    id: str
    kind: str
    subscription_id: str
    location: str
    started_at: float
    duration: float
    outcome: str = SUCCEEDED
    error: dict[str, Any] | None = None
    canceled_at: float | None = None
    cancel_seconds: float = 0.0
    cancel_error: dict[str, Any] | None = None


@dataclass(frozen=True)
class OperationStatus:
    """What the async-operation status resource reports at one instant."""

    status: str
    end_time: float | None
    error: dict[str, Any] | None


@dataclass
class Cluster:
    """A managed cluster as last written by PUT, plus its latest operation."""

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

    def __post_init__(self) -> None:
        """State files written before eTags existed still load, with a fresh eTag."""
        if not self.etag:
            self.etag = new_etag()


@dataclass(frozen=True)
class ClusterView:
    """A cluster together with its provisioning state at one instant."""

    cluster: Cluster
    provisioning_state: str
    operation: Operation


@dataclass(frozen=True)
class PutOutcome:
    """The answer to a PUT: 201 with a new operation, or 200 for an in-place update."""

    status: int
    view: ClusterView
    started: Operation | None


def operation_status(op: Operation, now: float) -> OperationStatus:
    """Status of an operation at `now`: cancellation wins if requested before the natural end."""
    natural_end = op.started_at + op.duration
    if op.canceled_at is not None and op.canceled_at < natural_end:
        cancel_end = op.canceled_at + op.cancel_seconds
        if now < cancel_end:
            return OperationStatus(IN_PROGRESS, None, None)
        return OperationStatus(CANCELED, cancel_end, op.cancel_error)
    if now < natural_end:
        return OperationStatus(IN_PROGRESS, None, None)
    return OperationStatus(op.outcome, natural_end, op.error if op.outcome == FAILED else None)


def provisioning_state(op: Operation, now: float) -> str | None:
    """The cluster's provisioningState implied by its latest operation; None once deleted."""
    status = operation_status(op, now).status
    if op.kind == DELETE:
        return "Deleting" if status == IN_PROGRESS else None
    if status == IN_PROGRESS:
        return "Canceling" if op.canceled_at is not None and op.canceled_at <= now else "Creating"
    return status


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


class ClusterStore:
    """All simulated clusters and operations, in memory and mirrored to a JSON file."""

    def __init__(self, timings: SimulatorTimings, state_path: Path | None = None) -> None:
        self.timings = timings
        self.state_path = state_path
        self.clusters: dict[str, Cluster] = {}
        self.operations: dict[str, Operation] = {}
        self.creates_seen: dict[str, int] = {}
        self.calls_seen: dict[str, int] = {}
        self._load()

    # ---- persistence -------------------------------------------------------------------

    def _load(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        raw = json.loads(self.state_path.read_text(encoding="utf-8"))
        if raw.get("version") != STATE_VERSION:
            logger.warning("ignoring %s: unknown state version", self.state_path)
            return
        self.clusters = {k: Cluster(**v) for k, v in raw.get("clusters", {}).items()}
        self.operations = {k: Operation(**v) for k, v in raw.get("operations", {}).items()}
        self.creates_seen = dict(raw.get("creates_seen", {}))
        self.calls_seen = dict(raw.get("calls_seen", {}))
        logger.info("loaded %d clusters from %s", len(self.clusters), self.state_path)

    def save(self) -> None:
        """Write the state atomically so a restart resumes exactly here."""
        if self.state_path is None:
            return
        document = {
            "version": STATE_VERSION,
            "clusters": {k: asdict(v) for k, v in self.clusters.items()},
            "operations": {k: asdict(v) for k, v in self.operations.items()},
            "creates_seen": self.creates_seen,
            "calls_seen": self.calls_seen,
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
        os.replace(temporary, self.state_path)

    def reset(self) -> None:
        """Forget everything (tests call this through POST /_simulator/reset)."""
        self.clusters.clear()
        self.operations.clear()
        self.creates_seen.clear()
        self.calls_seen.clear()
        self.save()

    # ---- per-resource memory -----------------------------------------------------------

    def count_call(self, resource_group: str, name: str) -> int:
        """Record one call for a flaky- resource and return its 1-based number."""
        key = resource_memory_key(resource_group, name)
        self.calls_seen[key] = self.calls_seen.get(key, 0) + 1
        self.save()
        return self.calls_seen[key]

    # ---- reads -------------------------------------------------------------------------

    def view(
        self, subscription_id: str, resource_group: str, name: str, now: float
    ) -> ClusterView | None:
        """The cluster and its state at `now`, or None when absent (deleted ones are pruned)."""
        key = cluster_key(subscription_id, resource_group, name)
        cluster = self.clusters.get(key)
        if cluster is None:
            return None
        op = self.operations[cluster.operation_id]
        state = provisioning_state(op, now)
        if state is None:
            del self.clusters[key]
            self.save()
            return None
        return ClusterView(cluster=cluster, provisioning_state=state, operation=op)

    def operation(self, operation_id: str) -> Operation | None:
        """An operation by id (kept after its cluster is gone, as ARM does)."""
        return self.operations.get(operation_id)

    # ---- writes ------------------------------------------------------------------------

    def _check_conditions(
        self, conditions: WriteConditions, current: ClusterView | None, name: str
    ) -> None:
        failure = precondition_failure(
            conditions, current.cluster.etag if current is not None else None, name
        )
        if failure is not None:
            raise failure

    def put(
        self,
        subscription_id: str,
        resource_group: str,
        name: str,
        body: Any,
        now: float,
        conditions: WriteConditions = UNCONDITIONAL,
    ) -> PutOutcome:
        """Create or update a cluster, applying preconditions and the name's scenario."""
        scenario = scenario_for_name(name)
        if scenario is Scenario.DENIED:
            raise arm_errors.authorization_failed(subscription_id, resource_group, name)
        current = self.view(subscription_id, resource_group, name, now)
        self._check_conditions(conditions, current, name)
        location, properties = validate_cluster_body(name, body)
        if scenario is Scenario.QUOTA:
            raise arm_errors.quota_exceeded(subscription_id, location, required_cores(properties))
        if scenario is Scenario.NOSKU:
            raise arm_errors.sku_not_available(first_vm_size(properties), location)
        tags = body.get("tags") if isinstance(body.get("tags"), dict) else {}
        identity = body.get("identity") if isinstance(body.get("identity"), dict) else None
        cluster = Cluster(
            subscription_id=subscription_id,
            resource_group=resource_group,
            name=name,
            location=location,
            spec=properties,
            tags=tags,
            created_at=current.cluster.created_at if current else now,
            operation_id="",
            identity=identity,
        )
        if current is None:
            return self._start_create(cluster, scenario, now)
        if operation_status(current.operation, now).status == IN_PROGRESS:
            raise arm_errors.pending_operation(current.provisioning_state)
        if current.provisioning_state != SUCCEEDED:
            return self._start_create(cluster, scenario, now)
        current.cluster.spec = properties
        current.cluster.tags = tags
        current.cluster.identity = identity
        current.cluster.etag = new_etag()
        self.save()
        return PutOutcome(status=200, view=current, started=None)

    def _start_create(self, cluster: Cluster, scenario: Scenario, now: float) -> PutOutcome:
        """Store the cluster as Creating under a new create operation (201)."""
        memory = resource_memory_key(cluster.resource_group, cluster.name)
        previous = self.creates_seen.get(memory, 0)
        plan = plan_create(scenario, previous, self.timings)
        op = Operation(
            id=str(uuid.uuid4()),
            kind=CREATE,
            subscription_id=cluster.subscription_id,
            location=cluster.location,
            started_at=now,
            duration=plan.duration,
            outcome=FAILED if plan.fails else SUCCEEDED,
            error=arm_errors.vm_extension_provisioning_error() if plan.fails else None,
        )
        cluster.operation_id = op.id
        self.operations[op.id] = op
        key = cluster_key(cluster.subscription_id, cluster.resource_group, cluster.name)
        self.clusters[key] = cluster
        self.creates_seen[memory] = previous + 1
        self.save()
        logger.info(
            "create %s/%s (%s): %s after %.1f s",
            cluster.resource_group, cluster.name, scenario.name, op.outcome, plan.duration,
        )
        view = ClusterView(cluster=cluster, provisioning_state="Creating", operation=op)
        return PutOutcome(status=201, view=view, started=op)

    def delete(
        self,
        subscription_id: str,
        resource_group: str,
        name: str,
        now: float,
        conditions: WriteConditions = UNCONDITIONAL,
    ) -> Operation | None:
        """Start deleting (preempting a running create); None when there is nothing to delete."""
        current = self.view(subscription_id, resource_group, name, now)
        self._check_conditions(conditions, current, name)
        if current is None:
            return None
        if current.operation.kind == DELETE:
            return current.operation
        running = current.operation
        if operation_status(running, now).status == IN_PROGRESS and running.canceled_at is None:
            running.canceled_at = now
            running.cancel_seconds = 0.0
            running.cancel_error = arm_errors.operation_preempted()
        op = Operation(
            id=str(uuid.uuid4()),
            kind=DELETE,
            subscription_id=subscription_id,
            location=current.cluster.location,
            started_at=now,
            duration=self.timings.delete_seconds,
        )
        self.operations[op.id] = op
        current.cluster.operation_id = op.id
        current.cluster.etag = new_etag()
        self.save()
        logger.info("delete %s/%s: gone after %.1f s", resource_group, name, op.duration)
        return op

    def abort(self, subscription_id: str, resource_group: str, name: str, now: float) -> Operation:
        """Abort the running create: Canceling now, Canceled a little later; raises ArmError."""
        current = self.view(subscription_id, resource_group, name, now)
        if current is None:
            raise arm_errors.resource_not_found(resource_group, name)
        running = current.operation
        if running.kind == DELETE:
            raise arm_errors.delete_not_abortable(name)
        if operation_status(running, now).status != IN_PROGRESS:
            raise arm_errors.nothing_to_abort(name, current.provisioning_state)
        if running.canceled_at is None:
            running.canceled_at = now
            running.cancel_seconds = self.timings.cancel_seconds
            running.cancel_error = arm_errors.operation_cancelled()
            current.cluster.etag = new_etag()
        remaining = max(running.canceled_at + running.cancel_seconds - now, 0.0)
        op = Operation(
            id=str(uuid.uuid4()),
            kind=ABORT,
            subscription_id=subscription_id,
            location=current.cluster.location,
            started_at=now,
            duration=remaining,
        )
        self.operations[op.id] = op
        self.save()
        logger.info("abort %s/%s: Canceled after %.1f s", resource_group, name, remaining)
        return op

