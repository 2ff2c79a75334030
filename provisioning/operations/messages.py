"""The messages cluster operations pass across the Durable boundary, one frozen dataclass each.

Durable Functions carries JSON only: senders pass `to_dict()`, receivers rebuild with
`from_dict()`. These shapes are internal (no outside client reads them); JobState rows,
task documents and HTTP answers are built elsewhere and do not depend on them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from provisioning.clusters.arm_calls import AbortAnswer
from provisioning.models import (
    ClassifiedError,
    ClusterChange,
    ProvisionRequest,
    TaskStatus,
    TaskType,
    Trigger,
)
from provisioning.operations.registry import steps_for
from provisioning.operations.step_tables import OperationSteps

START_BY_KEY = "start_by"


def _error_to_dict(error: ClassifiedError | None) -> dict[str, Any] | None:
    return error.to_dict() if error is not None else None


def _error_from(data: dict[str, Any] | None) -> ClassifiedError | None:
    return ClassifiedError.from_dict(data) if data else None


@dataclass(frozen=True)
class OperationInput:
    """What an operation's orchestration gets: everything it needs, nothing it must read."""

    task_id: str
    owner_id: str
    type: TaskType
    created_at: datetime
    request: ProvisionRequest
    target_task_id: str | None
    poll_seconds: int
    deadline_minutes: int
    portal_url: str
    # After this moment the HTTP caller stopped waiting for the start (and answered 503).
    start_by: datetime | None = None
    # The async ARM operation of the submitted change, once ARM accepted it.
    operation_url: str | None = None
    # Scale and upgrade: what to change (stop, start, delete and create change nothing else).
    change: ClusterChange | None = None
    trigger: Trigger = Trigger.USER
    retry_of: str | None = None

    @property
    def steps(self) -> OperationSteps:
        """The step table of this operation's type."""
        return steps_for(self.type)

    def with_start_by(self, start_by: datetime) -> OperationInput:
        """The same input, bounded by the moment its caller stops waiting for the start."""
        return replace(self, start_by=start_by)

    def with_operation_url(self, operation_url: str | None) -> OperationInput:
        """The same input, knowing the async operation ARM started for it."""
        return replace(self, operation_url=operation_url)

    def to_dict(self) -> dict[str, Any]:
        """JSON for the orchestration input and activity inputs."""
        return {
            "task_id": self.task_id,
            "owner_id": self.owner_id,
            "type": str(self.type),
            "created_at": self.created_at.isoformat(),
            "request": self.request.to_dict(),
            "target_task_id": self.target_task_id,
            "poll_seconds": self.poll_seconds,
            "deadline_minutes": self.deadline_minutes,
            "portal_url": self.portal_url,
            START_BY_KEY: self.start_by.isoformat() if self.start_by else None,
            "operation_url": self.operation_url,
            "change": self.change.to_dict() if self.change else None,
            "trigger": str(self.trigger),
            "retry_of": self.retry_of,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperationInput:
        """Rebuild the input an orchestrator or activity received as JSON."""
        start_by = data.get(START_BY_KEY)
        return cls(
            task_id=data["task_id"],
            owner_id=data["owner_id"],
            type=TaskType(data.get("type") or TaskType.AKS_PROVISION),
            created_at=datetime.fromisoformat(data["created_at"]),
            request=ProvisionRequest.from_dict(data["request"]),
            target_task_id=data.get("target_task_id"),
            poll_seconds=int(data["poll_seconds"]),
            deadline_minutes=int(data["deadline_minutes"]),
            portal_url=data["portal_url"],
            start_by=datetime.fromisoformat(str(start_by)) if start_by else None,
            operation_url=data.get("operation_url"),
            change=ClusterChange.from_dict(data.get("change")),
            trigger=Trigger(data.get("trigger") or Trigger.USER),
            retry_of=data.get("retry_of"),
        )


@dataclass(frozen=True)
class BeginResult:
    """The begin step: whether to go on (not when cancelled while queued) and the row's status."""

    proceed: bool
    status: TaskStatus

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {"proceed": self.proceed, "status": str(self.status)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BeginResult:
        """Rebuild the begin step's result."""
        return cls(bool(data["proceed"]), TaskStatus(data["status"]))


@dataclass(frozen=True)
class CreateSubmitted:
    """The create's submit step: ARM accepted the PUT (the cluster now exists), or why not."""

    cluster_state: str | None = None
    operation_url: str | None = None
    # Set when ARM refused the create for good; the create then ends with it.
    error: ClassifiedError | None = None

    @classmethod
    def rejected(cls, error: ClassifiedError) -> CreateSubmitted:
        """ARM refused the create for good (or the name is someone else's)."""
        return cls(error=error)

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {
            "cluster_state": self.cluster_state,
            "operation_url": self.operation_url,
            "error": _error_to_dict(self.error),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CreateSubmitted:
        """Rebuild the create submit step's result."""
        return cls(
            data.get("cluster_state"), data.get("operation_url"), _error_from(data.get("error"))
        )


@dataclass(frozen=True)
class ChangeSubmitted:
    """A lifecycle change's submit step: ARM accepted it (and the state it shows), or why not."""

    cluster_state: str | None = None
    # Set when ARM refused the change for good; nothing changed.
    error: ClassifiedError | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {
            "cluster_state": self.cluster_state,
            "error": _error_to_dict(self.error),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeSubmitted:
        """Rebuild the change submit step's result."""
        return cls(data.get("cluster_state"), _error_from(data.get("error")))


@dataclass(frozen=True)
class DeleteSubmitted:
    """The delete's submit step: deleting, already gone, or why nothing was deleted."""

    gone: bool = False
    error: ClassifiedError | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {"gone": self.gone, "error": _error_to_dict(self.error)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeleteSubmitted:
        """Rebuild the delete submit step's result."""
        return cls(bool(data.get("gone")), _error_from(data.get("error")))


@dataclass(frozen=True)
class PollResult:
    """One read of the cluster: its state, gone, a terminal error, or Azure not answering."""

    cluster_state: str | None
    gone: bool = False
    error: ClassifiedError | None = None
    # Set (to the transient fault) when Azure did not answer: the loop waits and tries again.
    unreachable: ClassifiedError | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result (`unreachable` only when Azure did not answer)."""
        data: dict[str, Any] = {
            "cluster_state": self.cluster_state,
            "gone": self.gone,
            "error": _error_to_dict(self.error),
        }
        if self.unreachable is not None:
            data["unreachable"] = self.unreachable.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PollResult:
        """Rebuild the poll step's result."""
        return cls(
            data.get("cluster_state"),
            bool(data.get("gone")),
            _error_from(data.get("error")),
            _error_from(data.get("unreachable")),
        )


@dataclass(frozen=True)
class AbortResult:
    """The abort after a cancel: what ARM said to it, and the state it reported afterwards."""

    answer: AbortAnswer
    cluster_state: str | None = None

    @property
    def aborted(self) -> bool:
        """ARM took the abort: the operation is being cancelled."""
        return self.answer is AbortAnswer.ACCEPTED

    @classmethod
    def unanswered(cls) -> AbortResult:
        """ARM said nothing (timeout, no connection, 5xx): nothing is known, ask again."""
        return cls(AbortAnswer.UNANSWERED)

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {
            "aborted": self.aborted,
            "answer": str(self.answer),
            "cluster_state": self.cluster_state,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AbortResult:
        """Rebuild the abort step's result (histories from before `answer` hold only `aborted`)."""
        answer = data.get("answer")
        if answer is None:
            answer = AbortAnswer.ACCEPTED if data.get("aborted") else AbortAnswer.REFUSED
        return cls(AbortAnswer(answer), data.get("cluster_state"))


@dataclass(frozen=True)
class AccessGranted:
    """The create's grant step: the caller holds both roles on the cluster now, or why not."""

    granted: bool
    warning: ClassifiedError | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {"granted": self.granted, "warning": _error_to_dict(self.warning)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccessGranted:
        """Rebuild the grant step's result."""
        return cls(bool(data.get("granted")), _error_from(data.get("warning")))


@dataclass(frozen=True)
class OperationOutcome:
    """How an operation ended: what the finish step stores and the orchestration returns."""

    status: TaskStatus
    error: ClassifiedError | None
    cluster_state: str | None
    cluster_seen: bool
    step: str
    # A success that left something undone (the create could not grant access): not a failure.
    warning: ClassifiedError | None = None

    def with_status(self, status: TaskStatus) -> OperationOutcome:
        """The same outcome with the status that was actually stored (the first one wins)."""
        return replace(self, status=status)

    def with_warning(self, warning: ClassifiedError | None) -> OperationOutcome:
        """The same outcome, noting what it left undone."""
        return replace(self, warning=warning)

    def to_dict(self) -> dict[str, Any]:
        """JSON for the finish step's input and the orchestration's output."""
        return {
            "status": str(self.status),
            "error": _error_to_dict(self.error),
            "cluster_state": self.cluster_state,
            "cluster_seen": self.cluster_seen,
            "step": self.step,
            "warning": _error_to_dict(self.warning),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperationOutcome:
        """Rebuild an outcome from its JSON."""
        return cls(
            TaskStatus(data["status"]),
            _error_from(data.get("error")),
            data.get("cluster_state"),
            bool(data.get("cluster_seen")),
            data.get("step") or "",
            _error_from(data.get("warning")),
        )


@dataclass(frozen=True)
class FinishInput:
    """The finish step's input: the operation and the outcome to store."""

    attempt: OperationInput
    outcome: OperationOutcome

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity input."""
        return {"attempt": self.attempt.to_dict(), "outcome": self.outcome.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinishInput:
        """Rebuild the finish step's input."""
        return cls(
            OperationInput.from_dict(data["attempt"]), OperationOutcome.from_dict(data["outcome"])
        )


@dataclass(frozen=True)
class FinishResult:
    """The finish step: the status the row holds now (an earlier outcome may have won)."""

    status: TaskStatus

    def to_dict(self) -> dict[str, Any]:
        """JSON for the activity result."""
        return {"status": str(self.status)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinishResult:
        """Rebuild the finish step's result."""
        return cls(TaskStatus(data["status"]))
