"""Accepting an operation on one of your clusters (README "Your clusters"): check, then accept.

The cluster must carry the caller's owner tag (else it is "not found", like a task), its
state must allow the operation (the spec's allowed states in operations.registry), and no
other operation of the product may be active on it: accept_task's claim makes two racing
requests, a user's and a guardrail's included, yield exactly one operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from provisioning.clusters.inventory import ClusterView
from provisioning.jobs.claims import HolderGone
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ClusterChange, ProvisionRequest, Trigger
from provisioning.operations.attempts import (
    AcceptedAttempt,
    OperationInProgress,
    OrchestrationTiming,
    accept_task,
    orchestration_input,
)
from provisioning.operations.change_rules import ChangeFacts, PoolNotFound
from provisioning.operations.registry import UPGRADE, OperationSpec, refusal_for
from provisioning.portal_links import portal_url_for
from provisioning.preflight.quota_gate import QuotaSources
from provisioning.requests.validation import (
    CLUSTER_NAME_PATTERN,
    POOL_NAME_PATTERN,
    RESOURCE_GROUP_PATTERN,
    RequestValidationError,
)

ClusterReader = Callable[[str, str], ClusterView | None]
UpgradeReader = Callable[[ClusterView], list[str]]
NO_UPGRADE_OFFERED = "No newer version is offered"


class ClusterNotFound(LookupError):
    """No such cluster, or it is not the caller's (never say which)."""


class InvalidClusterState(Exception):
    """The cluster's state forbids the operation (409 invalid_state); the text says why."""


@dataclass(frozen=True)
class ClusterOperationRequest:
    """A validated request for an operation on a cluster: which, on which cluster, what."""

    spec: OperationSpec
    resource_group: str
    cluster_name: str
    change: ClusterChange | None = None
    trigger: Trigger = Trigger.USER
    # An idle stop's rule in minutes (the task says "Stopped automatically: idle for 1 hour").
    trigger_minutes: int | None = None


def validate_cluster_operation(
    spec: OperationSpec,
    resource_group: str,
    cluster_name: str,
    body: object,
    pool: str | None = None,
) -> ClusterOperationRequest:
    """The route's names (a malformed one cannot exist: not found) and the body (400)."""
    if not RESOURCE_GROUP_PATTERN.fullmatch(resource_group or "") or not (
        CLUSTER_NAME_PATTERN.fullmatch(cluster_name or "")
    ):
        raise ClusterNotFound(f"{resource_group}/{cluster_name}")
    target = cluster_name
    if spec.targets_pool:
        if not POOL_NAME_PATTERN.fullmatch(pool or ""):
            raise PoolNotFound(f"{cluster_name}/{pool}")
        target = str(pool)
    fields = _body_fields(body, spec.body_fields)
    change = spec.parse_body(fields, target) if spec.parse_body else None
    return ClusterOperationRequest(spec, resource_group, cluster_name, change)


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


def state_refusal(spec: OperationSpec, view: ClusterView, upgrades: list[str]) -> str | None:
    """Why the cluster's state refuses `spec` now (409 invalid_state), else None.

    The clusters list's `actions` call this same function, so an enabled action is never
    refused for its state and a disabled one always is.
    """
    refusal = refusal_for(spec, view.provisioning_state, view.power_state)
    if refusal is None and spec is UPGRADE and not upgrades:
        return NO_UPGRADE_OFFERED
    return refusal


def accept_cluster_operation(
    repo: JobStateRepository | None,
    owner_id: str,
    wanted: ClusterOperationRequest,
    *,
    read_view: ClusterReader,
    read_upgrades: UpgradeReader,
    subscription_id: str,
    tenant_id: str,
    timing: OrchestrationTiming,
    now: datetime,
    unique: str,
    quota: QuotaSources | None = None,
    holder_gone: HolderGone | None = None,
) -> AcceptedAttempt:
    """Check ownership, state and the change, then the one accept flow (accept_task).

    `quota` reads the region's VM sizes and usages for the changes that add nodes; without
    it they go ahead unchecked (logged), as when the quota cannot be read.
    """
    view = read_view(wanted.resource_group, wanted.cluster_name)
    if view is None or not view.ownership().owned_by(owner_id):
        raise ClusterNotFound(f"{wanted.resource_group}/{wanted.cluster_name}")
    if repo is not None:
        # Another task on the cluster wins over its state, as the cluster's `actions` say.
        holder = repo.claims.active_holder(
            owner_id, view.resource_group, view.name, now=now, holder_gone=holder_gone
        )
        if holder is not None:
            raise OperationInProgress(holder)
    upgrades = read_upgrades(view) if wanted.spec is UPGRADE else []
    refusal = state_refusal(wanted.spec, view, upgrades)
    if refusal:
        raise InvalidClusterState(refusal)
    if wanted.spec.check is not None:
        facts = ChangeFacts(subscription_id, tuple(upgrades), quota)
        wanted.spec.check(wanted.change, view, facts)
    job = JobState.new(
        owner_id,
        new_task_id(now, unique),
        _request_of(view, wanted, subscription_id),
        now=now,
        task_type=wanted.spec.task_type,
        total_steps=wanted.spec.steps.total,
        trigger=wanted.trigger,
        trigger_minutes=wanted.trigger_minutes,
    )
    attempt = replace(
        orchestration_input(job, timing, portal_url_for(view.id, tenant_id)),
        change=wanted.change,
    )
    return accept_task(repo, job, attempt, now=now, holder_gone=holder_gone)


def _request_of(
    view: ClusterView, wanted: ClusterOperationRequest, subscription_id: str
) -> ProvisionRequest:
    """The row's request fields: the cluster, with the target count or version it asks for."""
    change = wanted.change or ClusterChange()
    pool = view.pool(change.node_pool or "") or (view.node_pools[0] if view.node_pools else None)
    count = change.node_count if change.node_count is not None else view.node_count
    if change.autoscale is not None:
        count = change.autoscale.min
    vm_size = change.vm_size or (pool.vm_size if pool else "")
    return ProvisionRequest(
        subscription_id=subscription_id,
        resource_group=view.resource_group,
        cluster_name=view.name,
        region=view.region,
        node_vm_size=vm_size,
        node_count=max(1, count),
        kubernetes_version=change.kubernetes_version or view.kubernetes_version,
        access=view.access_mode,
    )
