"""The JobState row of one attempt: task ids, entity mapping and the status rules."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from provisioning.arm_errors import MAX_ERROR_MESSAGE_BYTES, cap_message
from provisioning.models import (
    ClassifiedError,
    ErrorAction,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)

logger = logging.getLogger(__name__)

# .NET DateTime.MaxValue.Ticks: the inverted-timestamp RowKey counts down from here.
MAX_TICKS = 3155378975999999999
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_TICKS_DIGITS = 19
_SUFFIX_LENGTH = 12
# Stored error messages are capped at 4 KiB (DESIGN §9).


class InvalidTaskId(ValueError):
    """A string is not a task id this service issued."""


def _ticks(moment: datetime) -> int:
    """100 ns intervals since 0001-01-01 UTC (the .NET tick count)."""
    if moment.tzinfo is None:
        raise ValueError("task ids need an aware UTC datetime")
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def _inverted(moment: datetime) -> int:
    return MAX_TICKS - _ticks(moment)


def new_task_id(now: datetime, unique: str) -> str:
    """A RowKey that sorts newest first and stays unique (caller passes uuid4().hex)."""
    suffix = "".join(ch for ch in unique.lower() if ch in "0123456789abcdef")[:_SUFFIX_LENGTH]
    if len(suffix) != _SUFFIX_LENGTH:
        raise ValueError(f"unique part needs {_SUFFIX_LENGTH} hex characters, got {unique!r}")
    return f"{_inverted(now):0{_TICKS_DIGITS}d}-{suffix}"


def is_task_id(value: str) -> bool:
    """True when value has the shape new_task_id() produces."""
    head, sep, tail = value.partition("-")
    return (
        sep == "-"
        and len(head) == _TICKS_DIGITS
        and head.isdigit()
        and len(tail) == _SUFFIX_LENGTH
        and all(ch in "0123456789abcdef" for ch in tail)
    )


def created_at_from_task_id(task_id: str) -> datetime:
    """The creation time encoded in a task id (microsecond precision)."""
    if not is_task_id(task_id):
        raise InvalidTaskId(f"not a task id: {task_id!r}")
    ticks = MAX_TICKS - int(task_id[:_TICKS_DIGITS])
    return _EPOCH + timedelta(microseconds=ticks // 10)


def rowkey_lower_bound(newest: datetime) -> str:
    """Inclusive RowKey lower bound (`ge`): keeps attempts created at or before `newest`."""
    return f"{_inverted(newest):0{_TICKS_DIGITS}d}"


def rowkey_upper_bound(oldest: datetime) -> str:
    """Exclusive RowKey upper bound (`lt`): keeps attempts created at or after `oldest`."""
    return f"{_inverted(oldest) + 1:0{_TICKS_DIGITS}d}"


def hash_idempotency_key(key: str) -> str:
    """Idempotency keys are stored hashed: they are client secrets of a sort and may hold '/'."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class JobState:
    """One attempt as stored in the JobState table (PartitionKey owner, RowKey task id)."""

    owner_id: str
    task_id: str
    type: TaskType
    status: TaskStatus
    created_at: datetime
    updated_at: datetime
    request: ProvisionRequest
    step: str | None = None
    step_index: int = 0
    total_steps: int = 0
    cluster_state: str | None = None
    cluster_seen: bool = False
    portal_url: str | None = None
    error: ClassifiedError | None = None
    dismissed_at: datetime | None = None
    resolved_by: str | None = None
    target_task_id: str | None = None
    idempotency_key: str | None = None
    etag: str | None = field(default=None, compare=False)

    @classmethod
    def new(
        cls,
        owner_id: str,
        task_id: str,
        request: ProvisionRequest,
        *,
        now: datetime,
        task_type: TaskType = TaskType.AKS_PROVISION,
        total_steps: int = 0,
        target_task_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JobState:
        """A queued attempt as written at accept time (idempotency key given raw, stored hashed)."""
        return cls(
            owner_id=owner_id,
            task_id=task_id,
            type=task_type,
            status=TaskStatus.QUEUED,
            created_at=now,
            updated_at=now,
            request=request,
            step="queued",
            total_steps=total_steps,
            target_task_id=target_task_id,
            idempotency_key=hash_idempotency_key(idempotency_key) if idempotency_key else None,
        )

    @property
    def is_resolved(self) -> bool:
        """Dismissed or made moot by a later attempt: hidden from recent failures."""
        return self.dismissed_at is not None or bool(self.resolved_by)

    @property
    def is_reportable_failure(self) -> bool:
        """A provision that failed, or was cancelled after leaving a cluster behind."""
        if self.type != TaskType.AKS_PROVISION:
            return False
        if self.status == TaskStatus.FAILED:
            return True
        return self.status == TaskStatus.CANCELLED and self.cluster_seen

    def to_entity(self) -> dict[str, Any]:
        """Table entity with the DESIGN §3 property names (absent values are omitted)."""
        entity: dict[str, Any] = {
            "PartitionKey": self.owner_id,
            "RowKey": self.task_id,
            "Type": str(self.type),
            "Status": str(self.status),
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "SubscriptionId": self.request.subscription_id,
            "ResourceGroup": self.request.resource_group,
            "ClusterName": self.request.cluster_name,
            "Region": self.request.region,
            "NodeVmSize": self.request.node_vm_size,
            "NodeCount": self.request.node_count,
            "StepIndex": self.step_index,
            "TotalSteps": self.total_steps,
            "ClusterSeen": self.cluster_seen,
        }
        optional: dict[str, Any] = {
            "KubernetesVersion": self.request.kubernetes_version,
            "Step": self.step,
            "ClusterState": self.cluster_state,
            "PortalUrl": self.portal_url,
            "DismissedAt": self.dismissed_at,
            "ResolvedBy": self.resolved_by,
            "TargetTaskId": self.target_task_id,
            "IdempotencyKey": self.idempotency_key,
        }
        if self.error is not None:
            optional.update(
                ErrorCode=self.error.code,
                ErrorCategory=str(self.error.category),
                ErrorMessage=cap_message(self.error.message),
                Retryable=self.error.retryable,
                ErrorActions=json.dumps([a.to_dict() for a in self.error.actions]),
            )
        entity.update({k: v for k, v in optional.items() if v is not None})
        return entity

    @classmethod
    def from_entity(cls, entity: dict[str, Any]) -> JobState:
        """Rebuild from a stored entity, tolerating properties a partial upsert left out."""
        task_id = str(entity["RowKey"])
        fallback_time = _fallback_created_at(task_id)
        created_at = _as_utc(entity.get("CreatedAt")) or fallback_time
        metadata = getattr(entity, "metadata", None) or {}
        return cls(
            owner_id=str(entity["PartitionKey"]),
            task_id=task_id,
            type=_enum(TaskType, entity.get("Type"), TaskType.AKS_PROVISION),
            status=_enum(TaskStatus, entity.get("Status"), TaskStatus.QUEUED),
            created_at=created_at,
            updated_at=_as_utc(entity.get("UpdatedAt")) or created_at,
            request=ProvisionRequest(
                subscription_id=str(entity.get("SubscriptionId") or ""),
                resource_group=str(entity.get("ResourceGroup") or ""),
                cluster_name=str(entity.get("ClusterName") or ""),
                region=str(entity.get("Region") or ""),
                node_vm_size=str(entity.get("NodeVmSize") or ""),
                node_count=_int(entity.get("NodeCount")),
                kubernetes_version=entity.get("KubernetesVersion") or None,
            ),
            step=entity.get("Step") or None,
            step_index=_int(entity.get("StepIndex")),
            total_steps=_int(entity.get("TotalSteps")),
            cluster_state=entity.get("ClusterState") or None,
            cluster_seen=bool(entity.get("ClusterSeen", False)),
            portal_url=entity.get("PortalUrl") or None,
            error=_error_from_entity(entity),
            dismissed_at=_as_utc(entity.get("DismissedAt")),
            resolved_by=entity.get("ResolvedBy") or None,
            target_task_id=entity.get("TargetTaskId") or None,
            idempotency_key=entity.get("IdempotencyKey") or None,
            etag=metadata.get("etag"),
        )


def _fallback_created_at(task_id: str) -> datetime:
    try:
        return created_at_from_task_id(task_id)
    except InvalidTaskId:
        return _EPOCH


def _as_utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


_E = TypeVar("_E", TaskType, TaskStatus)


def _enum(kind: type[_E], value: Any, default: _E) -> _E:
    try:
        return kind(value)
    except ValueError:
        logger.warning("unknown %s %r in a JobState row; using %s", kind.__name__, value, default)
        return default


def _error_from_entity(entity: dict[str, Any]) -> ClassifiedError | None:
    code = entity.get("ErrorCode")
    if not code:
        return None
    try:
        category = ErrorCategory(entity.get("ErrorCategory"))
    except ValueError:
        category = ErrorCategory.UNKNOWN
    actions: tuple[ErrorAction, ...] = ()
    raw_actions = entity.get("ErrorActions")
    if raw_actions:
        try:
            actions = tuple(ErrorAction.from_dict(a) for a in json.loads(raw_actions))
        except (ValueError, TypeError, KeyError):
            logger.warning("unreadable ErrorActions in JobState row %s", entity.get("RowKey"))
    return ClassifiedError(
        code=str(code),
        category=category,
        message=str(entity.get("ErrorMessage") or ""),
        retryable=bool(entity.get("Retryable", False)),
        actions=actions,
    )


# --- Status rules: pure functions the repository applies under ETag concurrency. ---


def can_transition(current: TaskStatus, new: TaskStatus) -> bool:
    """Terminal statuses are final; an active attempt never goes back to queued."""
    if current.is_terminal:
        return False
    if current == TaskStatus.RUNNING and new == TaskStatus.QUEUED:
        return False
    return True


def transition(job: JobState, new_status: TaskStatus, *, now: datetime) -> JobState | None:
    """The job in `new_status`, or None when the rules refuse (e.g. terminal -> anything)."""
    if not can_transition(job.status, new_status):
        return None
    return replace(job, status=new_status, updated_at=now)


def mark_running(job: JobState, *, now: datetime, step: str | None = None) -> JobState | None:
    """queued -> running; None when it is already running or finished."""
    if job.status != TaskStatus.QUEUED:
        return None
    moved = transition(job, TaskStatus.RUNNING, now=now)
    if moved is None:
        return None
    return replace(moved, step=step or moved.step)


def record_progress(
    job: JobState,
    *,
    now: datetime,
    step: str | None = None,
    step_index: int | None = None,
    total_steps: int | None = None,
    cluster_state: str | None = None,
    cluster_seen: bool = False,
    portal_url: str | None = None,
) -> JobState | None:
    """Publish live progress; None once the attempt is terminal (a late update is a no-op)."""
    moved = transition(job, TaskStatus.RUNNING, now=now)
    if moved is None:
        return None
    return replace(
        moved,
        step=step if step is not None else job.step,
        step_index=step_index if step_index is not None else job.step_index,
        total_steps=total_steps if total_steps is not None else job.total_steps,
        cluster_state=cluster_state if cluster_state is not None else job.cluster_state,
        cluster_seen=job.cluster_seen or cluster_seen,
        portal_url=portal_url if portal_url is not None else job.portal_url,
    )


def record_outcome(
    job: JobState,
    status: TaskStatus,
    error: ClassifiedError | None,
    *,
    now: datetime,
    step: str | None = None,
    cluster_state: str | None = None,
    cluster_seen: bool = False,
    portal_url: str | None = None,
) -> JobState | None:
    """Finish the attempt; None when it already finished (the first outcome wins)."""
    if not status.is_terminal:
        raise ValueError(f"record_outcome needs a terminal status, got {status}")
    moved = transition(job, status, now=now)
    if moved is None:
        return None
    if error is not None and len(error.message.encode("utf-8")) > MAX_ERROR_MESSAGE_BYTES:
        error = replace(error, message=cap_message(error.message))
    return replace(
        moved,
        error=error,
        step=step if step is not None else job.step,
        cluster_state=cluster_state if cluster_state is not None else job.cluster_state,
        cluster_seen=job.cluster_seen or cluster_seen,
        portal_url=portal_url if portal_url is not None else job.portal_url,
    )


def dismiss(job: JobState, *, now: datetime) -> JobState | None:
    """Hide a failure everywhere; None when it was already dismissed."""
    if job.dismissed_at is not None:
        return None
    return replace(job, dismissed_at=now, updated_at=now)


def resolve(job: JobState, resolved_by: str, *, now: datetime) -> JobState | None:
    """Record the attempt that made this failure moot; None when already resolved."""
    if job.resolved_by:
        return None
    return replace(job, resolved_by=resolved_by, updated_at=now)
