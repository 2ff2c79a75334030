"""The lifecycle operations' own steps: submit a stop, start, scale or upgrade; abort on cancel.

Each re-checks that the cluster carries the caller's owner tag right before it calls ARM
(the HTTP check may be seconds old), then returns as soon as ARM accepted the change; the
shared poll loop waits for it on durable timers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from provisioning.clusters.arm_calls import abort_cluster_operation, read_cluster
from provisioning.clusters.change_calls import (
    start_cluster_start,
    start_cluster_stop,
    start_cluster_upgrade,
    start_pool_scale,
)
from provisioning.clusters.ownership import may_operate
from provisioning.errors.classify import classify_exception, is_transient
from provisioning.errors.product import cluster_not_ours_error
from provisioning.jobs.repository import JobStateRepository
from provisioning.models import TaskType
from provisioning.operations.messages import AbortResult, ChangeSubmitted, OperationInput
from provisioning.operations.shared_work import TransientArmFailure, arm_context, publish_waiting

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


# One ARM call per operation type: a new lifecycle operation is one row here.
SUBMITS: dict[TaskType, Submit] = {
    TaskType.AKS_STOP: _stop,
    TaskType.AKS_START: _start,
    TaskType.AKS_SCALE: _scale,
    TaskType.AKS_UPGRADE: _upgrade,
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
    request = attempt.request
    try:
        existing = read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # the state read below still decides
        logger.info("could not read %s before the abort: %s", request.cluster_name, exc)
        existing = None
    if existing is not None and not may_operate(existing, attempt.owner_id):
        return AbortResult(False, existing.provisioning_state)
    aborted = abort_cluster_operation(client, request.resource_group, request.cluster_name)
    try:
        after = read_cluster(client, request.resource_group, request.cluster_name)
    except Exception as exc:  # a hint only
        logger.info("could not read %s after the abort: %s", request.cluster_name, exc)
        after = None
    return AbortResult(aborted, after.provisioning_state if after else None)
