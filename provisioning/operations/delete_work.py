"""The delete's own step: delete only the attempt's or the caller's cluster, on its etag.

Before the cluster goes, the role assignments the create made on it are removed (Azure
keeps a deleted resource's assignments as orphans); that cleanup is best effort.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from provisioning.clusters.access_grants import remove_granted_roles
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
from provisioning.portal_links import cluster_resource_id

logger = logging.getLogger(__name__)

MAX_DELETE_ROUNDS = 3


def submit_cluster_delete(
    repo: JobStateRepository | None,
    client: Any,
    attempt: OperationInput,
    *,
    now: datetime,
    authorization: Any | None = None,
) -> DeleteSubmitted:
    """Delete step: delete the cluster only if it is the attempt's or the caller's.

    With an `authorization` client, the product's role assignments on it go first.
    """
    started = _delete_if_ours(client, attempt, attempt.request, authorization)
    if isinstance(started, ClassifiedError):
        return DeleteSubmitted(error=started)
    publish_waiting(repo, attempt, now=now, cluster_state="Deleting" if started else None)
    return DeleteSubmitted(gone=not started)


def _delete_if_ours(
    client: Any, attempt: OperationInput, request: ProvisionRequest, authorization: Any | None
) -> bool | ClassifiedError:
    """True: deleting; False: already gone; else why nothing was deleted.

    The delete is conditional on the etag just read, so a cluster that changed between
    the read and the delete is read and judged again (bounded), never deleted blind.
    """
    for _ in range(MAX_DELETE_ROUNDS):
        try:
            return _delete_once_if_ours(client, attempt, request, authorization)
        except Exception as exc:
            if is_precondition_failed(exc):
                continue  # it changed since we read it: read and judge again
            error = classify_exception(exc, **arm_context(request))
            if is_transient(error):
                raise TransientArmFailure(error) from exc
            return error
    return cluster_changing_error(request.cluster_name, request.resource_group)


def _delete_once_if_ours(
    client: Any, attempt: OperationInput, request: ProvisionRequest, authorization: Any | None
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
    if authorization is not None:
        remove_access_grants(authorization, attempt)
    return start_cluster_delete(
        client, request.resource_group, request.cluster_name, etag=existing.etag
    )


def remove_access_grants(authorization: Any, attempt: OperationInput) -> None:
    """Remove the create's role assignments on the cluster; a failure is logged, never raised."""
    request = attempt.request
    cluster_id = cluster_resource_id(
        request.subscription_id, request.resource_group, request.cluster_name
    )
    try:
        removed = remove_granted_roles(authorization, cluster_id, attempt.owner_id)
    except Exception as exc:  # best effort: the cluster is deleted all the same
        logger.warning("role assignments on %s not removed: %s", cluster_id, exc)
        return
    logger.info("removed %d role assignments on %s", removed, cluster_id)
