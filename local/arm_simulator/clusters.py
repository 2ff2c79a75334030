"""The store of managed clusters and their operations; states come from timestamps, not timers."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.cluster_model import (
    RUNNING,
    Cluster,
    ClusterView,
    PutOutcome,
    cluster_key,
    first_vm_size,
    required_cores,
    resource_memory_key,
    settled_view,
    validate_cluster_body,
)
from local.arm_simulator.conditions import (
    UNCONDITIONAL,
    WriteConditions,
    new_etag,
    precondition_failure,
)
from local.arm_simulator.kubernetes_versions import (
    require_upgrade,
    same_version,
)
from local.arm_simulator.metrics import running_since
from local.arm_simulator.operations import (
    ABORT,
    AGENT_POOL_DELETE,
    CANCELED,
    CREATE,
    DELETE,
    FAILED,
    POOL_KINDS,
    SUCCEEDED,
    UPGRADE,
    Operation,
    is_running,
    operation_status,
    provisioning_state,
)
from local.arm_simulator.scenarios import (
    Scenario,
    SimulatorTimings,
    plan_create,
    scenario_for_name,
)

logger = logging.getLogger(__name__)

STATE_VERSION = 1


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

    def find(self, resource_group: str, name: str, now: float) -> ClusterView | None:
        """A cluster by resource group and name in any subscription (the control routes)."""
        for cluster in self.clusters.values():
            if (cluster.resource_group.lower(), cluster.name.lower()) == (
                resource_group.lower(),
                name.lower(),
            ):
                return self.view(cluster.subscription_id, cluster.resource_group, name, now)
        return None

    def set_cpu(self, view: ClusterView, percent: float, now: float) -> None:
        """The cluster's node CPU is `percent` from now on (earlier points keep theirs)."""
        view.cluster.cpu_changes.append([now, percent])
        self.save()

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
        self._settle_pool_delete(cluster, op, now)
        return settled_view(cluster, op, state, now)

    def _settle_pool_delete(self, cluster: Cluster, op: Operation, now: float) -> None:
        """A pool whose delete succeeded is gone from the cluster (and from its usages)."""
        if op.kind != AGENT_POOL_DELETE or op.pool is None:
            return
        if operation_status(op, now).status != SUCCEEDED:
            return
        pools = cluster.spec.get("agentPoolProfiles", [])
        kept = [p for p in pools if str(p.get("name", "")).lower() != op.pool.lower()]
        if len(kept) != len(pools):
            cluster.spec["agentPoolProfiles"] = kept
            self.save()

    def existing(self, subscription_id: str, now: float) -> list[ClusterView]:
        """Every cluster of a subscription that still exists at `now`, oldest first."""
        views = []
        for cluster in sorted(self.clusters.values(), key=lambda c: c.created_at):
            if cluster.subscription_id.lower() != subscription_id.lower():
                continue
            view = self.view(cluster.subscription_id, cluster.resource_group, cluster.name, now)
            if view is not None:
                views.append(view)
        return views

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

    def require(
        self, subscription_id: str, resource_group: str, name: str, now: float
    ) -> ClusterView:
        """The cluster's view, or 404 ResourceNotFound."""
        current = self.view(subscription_id, resource_group, name, now)
        if current is None:
            raise arm_errors.resource_not_found(resource_group, name)
        return current

    def begin(
        self,
        view: ClusterView,
        kind: str,
        now: float,
        pool: str | None = None,
        pool_state: str | None = None,
    ) -> Operation:
        """Start an operation on an idle cluster, settling what the previous one did."""
        cluster = view.cluster
        if view.power_state == RUNNING:
            cluster.running_since = running_since(view, now)
        cluster.power_code = view.power_state
        cluster.current_version = view.current_version
        op = Operation(
            id=str(uuid.uuid4()),
            kind=kind,
            subscription_id=cluster.subscription_id,
            location=cluster.location,
            started_at=now,
            duration=self.timings.delete_seconds if kind == DELETE else self.timings.create_seconds,
            pool=pool,
            pool_state=pool_state,
        )
        self.operations[op.id] = op
        cluster.operation_id = op.id
        cluster.etag = new_etag()
        self.save()
        logger.info(
            "%s %s/%s: done after %.1f s", kind, cluster.resource_group, cluster.name, op.duration
        )
        return op

    def put(
        self,
        subscription_id: str,
        resource_group: str,
        name: str,
        body: Any,
        now: float,
        conditions: WriteConditions = UNCONDITIONAL,
    ) -> PutOutcome:
        """Create, update or upgrade a cluster, applying preconditions and the name's scenario."""
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
            role_assignments=current.cluster.role_assignments if current else {},
        )
        if current is None:
            return self._start_create(cluster, scenario, now)
        require_idle(current, now)
        if current.provisioning_state in (FAILED, CANCELED) and current.operation.kind == CREATE:
            return self._start_create(cluster, scenario, now)
        return self._update(current, cluster, now)

    def _update(self, current: ClusterView, wanted: Cluster, now: float) -> PutOutcome:
        """A PUT on an existing cluster: an upgrade when the version changes, else in place."""
        if not wanted.spec.get("kubernetesVersion"):
            wanted.spec["kubernetesVersion"] = current.cluster.kubernetes_version
        target = wanted.kubernetes_version
        upgrading = not same_version(current.current_version, target)
        if upgrading:
            require_upgrade(current.current_version, target)
            require_power(current, RUNNING, "upgrading")
            for pool in wanted.spec.get("agentPoolProfiles", []):
                pool.pop("orchestratorVersion", None)
        cluster = current.cluster
        cluster.spec = wanted.spec
        cluster.tags = wanted.tags
        cluster.identity = wanted.identity
        if not upgrading:
            cluster.etag = new_etag()
            self.save()
            return PutOutcome(status=200, view=current, started=None)
        op = self.begin(current, UPGRADE, now)
        return PutOutcome(status=200, view=self.require_view_of(cluster, now), started=op)

    def require_view_of(self, cluster: Cluster, now: float) -> ClusterView:
        """The fresh view of a cluster this store holds."""
        return self.require(cluster.subscription_id, cluster.resource_group, cluster.name, now)

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
            cluster.resource_group,
            cluster.name,
            scenario.name,
            op.outcome,
            plan.duration,
        )
        return PutOutcome(status=201, view=settled_view(cluster, op, "Creating", now), started=op)

    def delete(
        self,
        subscription_id: str,
        resource_group: str,
        name: str,
        now: float,
        conditions: WriteConditions = UNCONDITIONAL,
    ) -> Operation | None:
        """Start deleting (preempting a running operation); None when there is nothing to delete."""
        current = self.view(subscription_id, resource_group, name, now)
        self._check_conditions(conditions, current, name)
        if current is None:
            return None
        running = current.operation
        if running.kind == DELETE:
            return running
        if is_running(running, now) and running.canceled_at is None:
            running.canceled_at = now
            running.cancel_seconds = 0.0
            running.cancel_error = arm_errors.operation_preempted()
        return self.begin(self.require_view_of(current.cluster, now), DELETE, now)

    def abort(self, subscription_id: str, resource_group: str, name: str, now: float) -> Operation:
        """Abort the running operation: Canceling now, Canceled a little later; raises ArmError."""
        current = self.require(subscription_id, resource_group, name, now)
        running = current.operation
        if running.kind in (DELETE, AGENT_POOL_DELETE) and is_running(running, now):
            raise arm_errors.delete_not_abortable(name)
        if not is_running(running, now):
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


def require_idle(view: ClusterView, now: float) -> None:
    """409 OperationNotAllowed "...is in progress" while the cluster's latest operation runs."""
    op = view.operation
    if not is_running(op, now):
        return
    if op.kind in POOL_KINDS and op.pool is not None:
        raise arm_errors.pending_agent_pool_operation(op.pool, view.pool_state(op.pool, now))
    raise arm_errors.pending_operation(view.provisioning_state)


def require_power(view: ClusterView, power: str, action: str) -> None:
    """409 OperationNotAllowed when the cluster's power state forbids the action."""
    if view.power_state != power:
        raise arm_errors.state_forbids(view.provisioning_state, view.power_state, action)
