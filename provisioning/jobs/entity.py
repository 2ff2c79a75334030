"""The JobState table entity: its property names, and the mapping to and from JobState.

Every module that names a JobState property (entities, query filters) takes it from
JobStateProperty, so a new field is added here, in JobState and, if shown, in task_documents.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from provisioning.errors.text import cap_message
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import TICKS_EPOCH, InvalidTaskId, created_at_from_task_id
from provisioning.models import (
    AccessMode,
    ClassifiedError,
    ErrorAction,
    ErrorCategory,
    NodePool,
    ProvisionRequest,
    TaskStatus,
    TaskType,
    Trigger,
)
from provisioning.utc import stored_time

logger = logging.getLogger(__name__)


class JobStateProperty(StrEnum):
    """Property names of a JobState entity (docs/architecture.md, fixed: other tools read them)."""

    PARTITION_KEY = "PartitionKey"
    ROW_KEY = "RowKey"
    TYPE = "Type"
    STATUS = "Status"
    CREATED_AT = "CreatedAt"
    UPDATED_AT = "UpdatedAt"
    SUBSCRIPTION_ID = "SubscriptionId"
    RESOURCE_GROUP = "ResourceGroup"
    CLUSTER_NAME = "ClusterName"
    REGION = "Region"
    NODE_VM_SIZE = "NodeVmSize"
    NODE_COUNT = "NodeCount"
    KUBERNETES_VERSION = "KubernetesVersion"
    # The optional User-mode workload pool (absent when the request had none).
    USER_POOL_VM_SIZE = "UserPoolVmSize"
    USER_POOL_NODE_COUNT = "UserPoolNodeCount"
    # How people sign in to the cluster (absent on rows written before it existed: local).
    ACCESS = "Access"
    STEP = "Step"
    STEP_INDEX = "StepIndex"
    TOTAL_STEPS = "TotalSteps"
    TRIGGER = "Trigger"
    RETRY_OF = "RetryOf"
    CLUSTER_STATE = "ClusterState"
    CLUSTER_SEEN = "ClusterSeen"
    PORTAL_URL = "PortalUrl"
    ERROR_CODE = "ErrorCode"
    ERROR_CATEGORY = "ErrorCategory"
    ERROR_MESSAGE = "ErrorMessage"
    RETRYABLE = "Retryable"
    ERROR_ACTIONS = "ErrorActions"
    # What a success left undone, with its actions (same shape as the error properties).
    WARNING_CODE = "WarningCode"
    WARNING_CATEGORY = "WarningCategory"
    WARNING_MESSAGE = "WarningMessage"
    WARNING_ACTIONS = "WarningActions"
    DISMISSED_AT = "DismissedAt"
    RESOLVED_BY = "ResolvedBy"
    TARGET_TASK_ID = "TargetTaskId"
    # An idle stop's rule, in minutes, for "Stopped automatically: idle for 1 hour".
    TRIGGER_MINUTES = "TriggerMinutes"


P = JobStateProperty


def job_to_entity(job: JobState) -> dict[str, Any]:
    """Table entity with the docs/architecture.md property names (absent values are omitted)."""
    request = job.request
    entity: dict[str, Any] = {
        P.PARTITION_KEY: job.owner_id,
        P.ROW_KEY: job.task_id,
        P.TYPE: str(job.type),
        P.STATUS: str(job.status),
        P.CREATED_AT: job.created_at,
        P.UPDATED_AT: job.updated_at,
        P.SUBSCRIPTION_ID: request.subscription_id,
        P.RESOURCE_GROUP: request.resource_group,
        P.CLUSTER_NAME: request.cluster_name,
        P.REGION: request.region,
        P.NODE_VM_SIZE: request.node_vm_size,
        P.NODE_COUNT: request.node_count,
        P.ACCESS: str(request.access),
        P.STEP_INDEX: job.step_index,
        P.TOTAL_STEPS: job.total_steps,
        P.CLUSTER_SEEN: job.cluster_seen,
    }
    optional: dict[str, Any] = {
        P.KUBERNETES_VERSION: request.kubernetes_version,
        P.USER_POOL_VM_SIZE: request.user_pool.node_vm_size if request.user_pool else None,
        P.USER_POOL_NODE_COUNT: request.user_pool.node_count if request.user_pool else None,
        P.STEP: job.step,
        P.CLUSTER_STATE: job.cluster_state,
        P.PORTAL_URL: job.portal_url,
        P.DISMISSED_AT: job.dismissed_at,
        P.RESOLVED_BY: job.resolved_by,
        P.TARGET_TASK_ID: job.target_task_id,
        P.TRIGGER_MINUTES: job.trigger_minutes,
        P.TRIGGER: str(job.trigger),
        P.RETRY_OF: job.retry_of,
        **_error_to_entity(job.error),
        **_warning_to_entity(job.warning),
    }
    entity.update({name: value for name, value in optional.items() if value is not None})
    return {str(name): value for name, value in entity.items()}


def _error_to_entity(error: ClassifiedError | None) -> dict[str, Any]:
    """The classified failure's properties (message capped at 4 KiB); none without one."""
    if error is None:
        return {}
    return {
        P.ERROR_CODE: error.code,
        P.ERROR_CATEGORY: str(error.category),
        P.ERROR_MESSAGE: cap_message(error.message),
        P.RETRYABLE: error.retryable,
        P.ERROR_ACTIONS: json.dumps([action.to_dict() for action in error.actions]),
    }


def _warning_to_entity(warning: ClassifiedError | None) -> dict[str, Any]:
    """A success's warning properties; none without one."""
    if warning is None:
        return {}
    return {
        P.WARNING_CODE: warning.code,
        P.WARNING_CATEGORY: str(warning.category),
        P.WARNING_MESSAGE: cap_message(warning.message),
        P.WARNING_ACTIONS: json.dumps([action.to_dict() for action in warning.actions]),
    }


def job_from_entity(entity: dict[str, Any]) -> JobState:
    """Rebuild from a stored entity, tolerating properties a partial upsert left out."""
    task_id = str(entity[P.ROW_KEY])
    created_at = stored_time(entity.get(P.CREATED_AT)) or _created_at_or_epoch(task_id)
    metadata = getattr(entity, "metadata", None) or {}
    return JobState(
        owner_id=str(entity[P.PARTITION_KEY]),
        task_id=task_id,
        type=_enum(TaskType, entity.get(P.TYPE), TaskType.AKS_PROVISION),
        status=_enum(TaskStatus, entity.get(P.STATUS), TaskStatus.QUEUED),
        created_at=created_at,
        updated_at=stored_time(entity.get(P.UPDATED_AT)) or created_at,
        request=_request_from_entity(entity),
        step=entity.get(P.STEP) or None,
        step_index=_int(entity.get(P.STEP_INDEX)),
        total_steps=_int(entity.get(P.TOTAL_STEPS)),
        cluster_state=entity.get(P.CLUSTER_STATE) or None,
        cluster_seen=bool(entity.get(P.CLUSTER_SEEN, False)),
        portal_url=entity.get(P.PORTAL_URL) or None,
        error=_error_from_entity(entity),
        warning=_warning_from_entity(entity),
        dismissed_at=stored_time(entity.get(P.DISMISSED_AT)),
        resolved_by=entity.get(P.RESOLVED_BY) or None,
        target_task_id=entity.get(P.TARGET_TASK_ID) or None,
        trigger=_enum(Trigger, entity.get(P.TRIGGER), Trigger.USER),
        trigger_minutes=_int(entity.get(P.TRIGGER_MINUTES)) or None,
        retry_of=entity.get(P.RETRY_OF) or None,
        etag=metadata.get("etag"),
    )


def _request_from_entity(entity: dict[str, Any]) -> ProvisionRequest:
    """The request fields; a row a partial upsert wrote may lack some."""
    return ProvisionRequest(
        subscription_id=str(entity.get(P.SUBSCRIPTION_ID) or ""),
        resource_group=str(entity.get(P.RESOURCE_GROUP) or ""),
        cluster_name=str(entity.get(P.CLUSTER_NAME) or ""),
        region=str(entity.get(P.REGION) or ""),
        node_vm_size=str(entity.get(P.NODE_VM_SIZE) or ""),
        node_count=_int(entity.get(P.NODE_COUNT)),
        kubernetes_version=entity.get(P.KUBERNETES_VERSION) or None,
        user_pool=_user_pool_from_entity(entity),
        access=_enum(AccessMode, entity.get(P.ACCESS), AccessMode.LOCAL),
    )


def _user_pool_from_entity(entity: dict[str, Any]) -> NodePool | None:
    size, count = entity.get(P.USER_POOL_VM_SIZE), entity.get(P.USER_POOL_NODE_COUNT)
    if not size or count is None:
        return None
    return NodePool(node_vm_size=str(size), node_count=_int(count))


def _error_from_entity(entity: dict[str, Any]) -> ClassifiedError | None:
    """The classified failure, or None; unreadable parts degrade instead of failing the read."""
    code = entity.get(P.ERROR_CODE)
    if not code:
        return None
    return ClassifiedError(
        code=str(code),
        category=_enum(ErrorCategory, entity.get(P.ERROR_CATEGORY), ErrorCategory.UNKNOWN),
        message=str(entity.get(P.ERROR_MESSAGE) or ""),
        retryable=bool(entity.get(P.RETRYABLE, False)),
        actions=_actions_from_entity(entity, P.ERROR_ACTIONS),
    )


def _warning_from_entity(entity: dict[str, Any]) -> ClassifiedError | None:
    """The success's warning, or None."""
    code = entity.get(P.WARNING_CODE)
    if not code:
        return None
    return ClassifiedError(
        code=str(code),
        category=_enum(ErrorCategory, entity.get(P.WARNING_CATEGORY), ErrorCategory.UNKNOWN),
        message=str(entity.get(P.WARNING_MESSAGE) or ""),
        retryable=False,
        actions=_actions_from_entity(entity, P.WARNING_ACTIONS),
    )


def _actions_from_entity(entity: dict[str, Any], name: JobStateProperty) -> tuple[ErrorAction, ...]:
    """Actions are JSON text; a corrupt value loses the actions, not the row."""
    raw_actions = entity.get(name)
    if not raw_actions:
        return ()
    try:
        return tuple(ErrorAction.from_dict(action) for action in json.loads(raw_actions))
    except (ValueError, TypeError, KeyError):
        logger.warning("unreadable %s in JobState row %s", name, entity.get(P.ROW_KEY))
        return ()


def _created_at_or_epoch(task_id: str) -> datetime:
    """A row without CreatedAt still has its creation time in its task id."""
    try:
        return created_at_from_task_id(task_id)
    except InvalidTaskId:
        return TICKS_EPOCH


def _int(value: Any) -> int:
    """An integer property, 0 when absent or unreadable."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


_E = TypeVar("_E", TaskType, TaskStatus, ErrorCategory, Trigger, AccessMode)


def _enum(kind: type[_E], value: Any, default: _E) -> _E:
    """An enum property; an unknown value (a newer writer's) reads as the default."""
    try:
        return kind(value)
    except ValueError:
        logger.warning("unknown %s %r in a JobState row; using %s", kind.__name__, value, default)
        return default
