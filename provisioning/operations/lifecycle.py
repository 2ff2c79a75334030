"""Accepting a lifecycle operation on one of your clusters (DESIGN §15): check, claim, write.

The cluster must carry the caller's owner tag (else it is "not found", like a task), its
state must allow the operation (the lifecycle_rules table), and no other operation of the
product may be active on it: the same claim row the provision slot uses makes two racing
requests yield exactly one operation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from provisioning.clusters.inventory import ClusterView
from provisioning.jobs.events import log_attempt_event
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ProvisionRequest, Trigger
from provisioning.operations.allowed_states import LifecycleOperation, refusal_for
from provisioning.operations.attempts import (
    AcceptedAttempt,
    OrchestrationTiming,
    orchestration_input,
)
from provisioning.operations.messages import ClusterChange
from provisioning.operations.step_tables import steps_for
from provisioning.portal_links import portal_url_for
from provisioning.requests.validation import (
    CLUSTER_NAME_PATTERN,
    MAX_NODE_COUNT,
    MIN_NODE_COUNT,
    RESOURCE_GROUP_PATTERN,
    RequestValidationError,
)

logger = logging.getLogger(__name__)

ClusterReader = Callable[[str, str], ClusterView | None]
UpgradeReader = Callable[[str, str], list[str]]
NODE_POOL_NAME_MAX = 12


class ClusterNotFound(LookupError):
    """No such cluster, or it is not the caller's (never say which)."""


class InvalidClusterState(Exception):
    """The cluster's state forbids the operation (409 invalid_state); the text says why."""


class OperationInProgress(Exception):
    """Another operation of the product is active on this cluster (409 operation_in_progress)."""

    def __init__(self, task_id: str) -> None:
        super().__init__(
            "another operation is still running on this cluster; wait for it or stop it first"
        )
        self.task_id = task_id


@dataclass(frozen=True)
class LifecycleRequest:
    """A validated lifecycle request: which operation, on which cluster, changing what."""

    operation: LifecycleOperation
    resource_group: str
    cluster_name: str
    change: ClusterChange | None = None


def validate_lifecycle_request(
    operation: LifecycleOperation, resource_group: str, cluster_name: str, body: object
) -> LifecycleRequest:
    """The route's names (a malformed one cannot exist: not found) and the body (400)."""
    if not RESOURCE_GROUP_PATTERN.fullmatch(resource_group or "") or not (
        CLUSTER_NAME_PATTERN.fullmatch(cluster_name or "")
    ):
        raise ClusterNotFound(f"{resource_group}/{cluster_name}")
    fields = _body_fields(body, BODY_FIELDS[operation])
    change: ClusterChange | None = None
    if operation is LifecycleOperation.SCALE:
        change = ClusterChange(node_pool=_pool_name(fields), node_count=_count(fields))
    elif operation is LifecycleOperation.UPGRADE:
        change = ClusterChange(kubernetes_version=_text(fields, "kubernetes_version"))
    elif operation is LifecycleOperation.DELETE and fields.get("confirm") != cluster_name:
        raise RequestValidationError(
            "confirm", "confirm must be the cluster name exactly, to delete it"
        )
    return LifecycleRequest(operation, resource_group, cluster_name, change)


BODY_FIELDS: dict[LifecycleOperation, tuple[str, ...]] = {
    LifecycleOperation.STOP: (),
    LifecycleOperation.START: (),
    LifecycleOperation.SCALE: ("node_pool", "node_count"),
    LifecycleOperation.UPGRADE: ("kubernetes_version",),
    LifecycleOperation.DELETE: ("confirm",),
}


def _body_fields(body: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise RequestValidationError("body", "body must be a JSON object")
    unknown = sorted(str(key) for key in body if key not in allowed)
    if unknown:
        names = ", ".join(allowed) or "none"
        raise RequestValidationError(
            unknown[0], f"{unknown[0]} is not a known field; allowed fields are {names}"
        )
    return body


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value or len(value) > 32:
        raise RequestValidationError(name, f"{name} is required")
    return value


def _pool_name(fields: dict[str, Any]) -> str:
    name = _text(fields, "node_pool")
    if len(name) > NODE_POOL_NAME_MAX or not name.isalnum() or not name.islower():
        raise RequestValidationError(
            "node_pool", "node_pool must be the name of one of the cluster's node pools"
        )
    return name


def _count(fields: dict[str, Any]) -> int:
    value = fields.get("node_count")
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (MIN_NODE_COUNT <= value <= MAX_NODE_COUNT)
    ):
        raise RequestValidationError(
            "node_count",
            f"node_count must be a whole number from {MIN_NODE_COUNT} to {MAX_NODE_COUNT}",
        )
    return value


def accept_lifecycle_operation(
    repo: JobStateRepository,
    owner_id: str,
    wanted: LifecycleRequest,
    *,
    read_view: ClusterReader,
    read_upgrades: UpgradeReader,
    subscription_id: str,
    tenant_id: str,
    timing: OrchestrationTiming,
    now: datetime,
    unique: str,
    trigger: Trigger = Trigger.USER,
    trigger_minutes: int | None = None,
) -> AcceptedAttempt:
    """Check ownership and state, claim the cluster, write the queued row once.

    A guardrail's operation comes through here too (its `trigger` says which), so it takes the
    same claim a user's request takes and the two never run at once.
    """
    view = read_view(wanted.resource_group, wanted.cluster_name)
    if view is None or not view.ownership().owned_by(owner_id):
        raise ClusterNotFound(f"{wanted.resource_group}/{wanted.cluster_name}")
    refusal = refusal_for(wanted.operation, view.provisioning_state, view.power_state)
    if refusal:
        raise InvalidClusterState(refusal)
    _check_change(wanted, view, read_upgrades)
    task_id = new_task_id(now, unique)
    holder = repo.claims.claim_active_slot(
        owner_id, view.resource_group, view.name, task_id, now=now
    )
    if holder is not None:
        raise OperationInProgress(holder)
    job = JobState.new(
        owner_id,
        task_id,
        _request_of(view, wanted, subscription_id),
        now=now,
        task_type=wanted.operation.task_type,
        total_steps=steps_for(wanted.operation.task_type).total,
        trigger=trigger,
        trigger_minutes=trigger_minutes,
    )
    repo.insert_new(job)
    log_attempt_event("attempt_accepted", job)
    attempt = replace(
        orchestration_input(job, timing, portal_url_for(view.id, tenant_id)),
        change=wanted.change,
    )
    return AcceptedAttempt(task_id, False, attempt)


def _check_change(
    wanted: LifecycleRequest, view: ClusterView, read_upgrades: UpgradeReader
) -> None:
    """Scale names one of the cluster's pools; upgrade names one of its upgrades."""
    change = wanted.change
    if wanted.operation is LifecycleOperation.SCALE and change is not None:
        if view.pool(change.node_pool or "") is None:
            pools = ", ".join(pool.name for pool in view.node_pools)
            raise RequestValidationError(
                "node_pool", f"node_pool must be one of the cluster's node pools: {pools}"
            )
    if wanted.operation is LifecycleOperation.UPGRADE and change is not None:
        upgrades = read_upgrades(view.resource_group, view.name)
        if change.kubernetes_version not in upgrades:
            offered = ", ".join(upgrades) or "none"
            raise RequestValidationError(
                "kubernetes_version",
                f"kubernetes_version must be one of the cluster's upgrades: {offered}",
            )


def _request_of(
    view: ClusterView, wanted: LifecycleRequest, subscription_id: str
) -> ProvisionRequest:
    """The row's request fields: the cluster, with the target count or version it asks for."""
    change = wanted.change or ClusterChange()
    pool = view.pool(change.node_pool or "") or (view.node_pools[0] if view.node_pools else None)
    count = change.node_count if change.node_count is not None else view.node_count
    return ProvisionRequest(
        subscription_id=subscription_id,
        resource_group=view.resource_group,
        cluster_name=view.name,
        region=view.region,
        node_vm_size=pool.vm_size if pool else "",
        node_count=max(1, count),
        kubernetes_version=change.kubernetes_version or view.kubernetes_version,
    )
