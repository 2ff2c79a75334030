"""The lifecycle operations' own steps: submit a stop, start, scale, upgrade or a node-pool
change (add, autoscale, delete); abort on cancel.

Each re-checks that the cluster carries the caller's owner tag right before it calls ARM
(the HTTP check may be seconds old), then returns as soon as ARM accepted the change; the
shared poll loop waits for it on durable timers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from provisioning.clusters.arm_calls import is_precondition_failed, read_cluster
from provisioning.clusters.change_calls import (
    new_pool_parameters,
    read_pool_tags,
    start_cluster_start,
    start_cluster_stop,
    start_cluster_upgrade,
    start_pool_add,
    start_pool_autoscale,
    start_pool_delete,
    start_pool_scale,
)
from provisioning.clusters.ownership import TASK_ID_TAG, may_operate, product_tags
from provisioning.errors.classify import classify_exception, is_transient
from provisioning.errors.product import cluster_not_ours_error, pool_exists_error
from provisioning.jobs.repository import JobStateRepository
from provisioning.models import ClassifiedError, ClusterChange, TaskType
from provisioning.operations.messages import AbortResult, ChangeSubmitted, OperationInput
from provisioning.operations.shared_work import (
    TransientArmFailure,
    abort_own_operation,
    arm_context,
    publish_waiting,
)

logger = logging.getLogger(__name__)

Submit = Callable[[Any, OperationInput, str | None], int]


def _stop(client: Any, attempt: OperationInput, etag: str | None) -> int:
    request = attempt.request
    return start_cluster_stop(client, request.resource_group, request.cluster_name)


def _start(client: Any, attempt: OperationInput, etag: str | None) -> int:
    request = attempt.request
    return start_cluster_start(client, request.resource_group, request.cluster_name)


def _scale(client: Any, attempt: OperationInput, etag: str | None) -> int:
    request, change = attempt.request, attempt.change
    if change is None or change.node_pool is None or change.node_count is None:
        raise ValueError("a scale needs node_pool and node_count")
    return start_pool_scale(
        client, request.resource_group, request.cluster_name, change.node_pool, change.node_count
    )


def _upgrade(client: Any, attempt: OperationInput, etag: str | None) -> int:
    request, change = attempt.request, attempt.change
    if change is None or not change.kubernetes_version:
        raise ValueError("an upgrade needs kubernetes_version")
    return start_cluster_upgrade(
        client, request.resource_group, request.cluster_name, change.kubernetes_version, etag
    )


class ChangeRefused(Exception):
    """The submit step concluded on its own that the change must not go ahead (classified)."""

    def __init__(self, error: ClassifiedError) -> None:
        super().__init__(error.message)
        self.error = error


def _pool_change(attempt: OperationInput) -> ClusterChange:
    change = attempt.change
    if change is None or not change.node_pool:
        raise ValueError(f"a {attempt.type} needs the node pool it changes")
    return change


def _pool_add(client: Any, attempt: OperationInput, etag: str | None) -> int:
    """PUT the new pool only if the name is free; a re-run finds its own pool (task-id tag)."""
    from azure.core.exceptions import HttpResponseError

    request, change = attempt.request, _pool_change(attempt)
    if not change.vm_size:
        raise ValueError("a node pool add needs its VM size")
    group, name, pool_name = request.resource_group, request.cluster_name, str(change.node_pool)
    tags = product_tags(attempt.owner_id, attempt.task_id)
    pool = new_pool_parameters(change.vm_size, change.node_count, change.autoscale, tags)
    try:
        return start_pool_add(client, group, name, pool_name, pool)
    except HttpResponseError as exc:
        if not is_precondition_failed(exc):
            raise
    if read_pool_tags(client, group, name, pool_name).get(TASK_ID_TAG) == attempt.task_id:
        logger.info("pool %s of %s is this attempt's own (re-run)", pool_name, name)
        return 200
    raise ChangeRefused(pool_exists_error(pool_name, name))


def _pool_autoscale(client: Any, attempt: OperationInput, etag: str | None) -> int:
    request, change = attempt.request, _pool_change(attempt)
    return start_pool_autoscale(
        client,
        request.resource_group,
        request.cluster_name,
        str(change.node_pool),
        change.autoscale,
        change.node_count,
    )


def _pool_delete(client: Any, attempt: OperationInput, etag: str | None) -> int:
    request, change = attempt.request, _pool_change(attempt)
    return start_pool_delete(
        client, request.resource_group, request.cluster_name, str(change.node_pool)
    )


# One ARM call per operation type: a new lifecycle operation is one row here.
SUBMITS: dict[TaskType, Submit] = {
    TaskType.AKS_STOP: _stop,
    TaskType.AKS_START: _start,
    TaskType.AKS_SCALE: _scale,
    TaskType.AKS_UPGRADE: _upgrade,
    TaskType.AKS_POOL_ADD: _pool_add,
    TaskType.AKS_POOL_AUTOSCALE: _pool_autoscale,
    TaskType.AKS_POOL_DELETE: _pool_delete,
}


def submit_cluster_change(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> ChangeSubmitted:
    """Submit step: the caller's cluster only; terminal ARM errors return classified."""
    request = attempt.request
    try:
        existing = read_cluster(client, request.resource_group, request.cluster_name)
        if existing is None or not may_operate(existing, attempt.owner_id):
            error = cluster_not_ours_error(request.cluster_name, request.resource_group)
            return ChangeSubmitted(error=error)
        accepted_with = SUBMITS[attempt.type](client, attempt, existing.etag)
        logger.info(
            "%s of %s accepted by ARM (%s)", attempt.type, request.cluster_name, accepted_with
        )
        after = read_cluster(client, request.resource_group, request.cluster_name)
    except ChangeRefused as refused:
        logger.info("%s of %s refused: %s", attempt.type, request.cluster_name, refused.error.code)
        return ChangeSubmitted(error=refused.error)
    except Exception as exc:  # every ARM fault is classified
        error = classify_exception(exc, **arm_context(request))
        if is_transient(error):
            raise TransientArmFailure(error) from exc
        logger.info("%s of %s refused: %s", attempt.type, request.cluster_name, error.code)
        return ChangeSubmitted(error=error)
    state = after.provisioning_state if after else None
    publish_waiting(repo, attempt, now=now, cluster_state=state)
    return ChangeSubmitted(state)


def abort_cluster_change(client: Any, attempt: OperationInput) -> AbortResult:
    """Cancel: abort the running operation on the caller's cluster, then read what ARM says."""
    return abort_own_operation(
        client, attempt, lambda existing: may_operate(existing, attempt.owner_id)
    )
