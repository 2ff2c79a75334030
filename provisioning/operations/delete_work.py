"""The delete's own step: delete only the attempt's or the caller's cluster, on its etag."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioning.clusters.arm_calls import (
    is_precondition_failed,
    read_cluster,
    start_cluster_delete,
)
from provisioning.clusters.ownership import may_delete, may_operate
from provisioning.errors.classify import classify_exception, is_transient
from provisioning.errors.product import cluster_changing_error, cluster_not_ours_error
from provisioning.jobs.repository import JobStateRepository
from provisioning.models import ClassifiedError, ProvisionRequest
from provisioning.operations.messages import DeleteSubmitted, OperationInput
from provisioning.operations.shared_work import TransientArmFailure, arm_context, publish_waiting

MAX_DELETE_ROUNDS = 3


def submit_cluster_delete(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> DeleteSubmitted:
    """Delete step: delete the cluster only if it is the attempt's or the caller's."""
    started = _delete_if_ours(client, attempt, attempt.request)
    if isinstance(started, ClassifiedError):
        return DeleteSubmitted(error=started)
    publish_waiting(repo, attempt, now=now, cluster_state="Deleting" if started else None)
    return DeleteSubmitted(gone=not started)


def _delete_if_ours(
    client: Any, attempt: OperationInput, request: ProvisionRequest
) -> bool | ClassifiedError:
    """True: deleting; False: already gone; else why nothing was deleted.

    The delete is conditional on the etag just read, so a cluster that changed between
    the read and the delete is read and judged again (bounded), never deleted blind.
    """
    for _ in range(MAX_DELETE_ROUNDS):
        try:
            return _delete_once_if_ours(client, attempt, request)
        except Exception as exc:
            if is_precondition_failed(exc):
                continue  # it changed since we read it: read and judge again
            error = classify_exception(exc, **arm_context(request))
            if is_transient(error):
                raise TransientArmFailure(error) from exc
            return error
    return cluster_changing_error(request.cluster_name, request.resource_group)


def _delete_once_if_ours(
    client: Any, attempt: OperationInput, request: ProvisionRequest
) -> bool | ClassifiedError:
    """Read the cluster and delete it on that etag, if the attempt or the caller owns it."""
    existing = read_cluster(client, request.resource_group, request.cluster_name)
    if existing is None:
        return False
    allowed = (
        may_delete(existing, attempt.owner_id, attempt.target_task_id)
        if attempt.target_task_id  # a cleanup of an attempt's partial cluster
        else may_operate(existing, attempt.owner_id)  # "Delete" on one of your clusters
    )
    if not allowed:
        return cluster_not_ours_error(request.cluster_name, request.resource_group)
    return start_cluster_delete(
        client, request.resource_group, request.cluster_name, etag=existing.etag
    )
