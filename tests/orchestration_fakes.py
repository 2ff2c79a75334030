"""A hand-written fake Durable orchestration context, shared by the orchestrator unit tests.

The fake follows the SDK's task semantics: `task_any` resolves to the winning task,
a failed task's `.result` is its exception, and a yielded failed task is thrown into
the generator. Durable timers advance the fake clock to their fire time. Activity
results are scripted with the shared message dataclasses (their `to_dict()`).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.history import HistoryEvent

from activities import names
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ClassifiedError, ProvisionRequest, TaskStatus, TaskType
from provisioning.operations.attempts import OrchestrationTiming, orchestration_input, portal_url_of
from provisioning.operations.grant_work import grant_failed_warning
from provisioning.operations.messages import (
    AccessGranted,
    BeginResult,
    CreateSubmitted,
    DeleteSubmitted,
    OperationInput,
    PollResult,
)
from provisioning.operations.registry import PROVISION

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REQUEST = ProvisionRequest(
    "00000000-0000-0000-0000-000000000000",
    "rg-demo",
    "demo",
    "eastus",
    "Standard_D2s_v3",
    2,
    None,
)
OPERATION_URL = "https://management.example/operations/op-1"
TARGET_TASK_ID = "2517000000000000000-bbbbbbbbbbbb"


def operation_input(*, poll_seconds: int = 15, deadline_minutes: int = 45) -> OperationInput:
    """A provision's orchestration input exactly as the accept step builds it."""
    job = JobState.new(
        "owner-1",
        new_task_id(START, "a" * 12),
        REQUEST,
        now=START,
        total_steps=PROVISION.steps.total,
    )
    timing = OrchestrationTiming(poll_seconds=poll_seconds, deadline_minutes=deadline_minutes)
    return orchestration_input(job, timing, portal_url_of(REQUEST, "tenant-1"))


def attempt_input(*, poll_seconds: int = 15, deadline_minutes: int = 45) -> dict[str, Any]:
    """The same input as the JSON the orchestration receives."""
    return operation_input(poll_seconds=poll_seconds, deadline_minutes=deadline_minutes).to_dict()


def delete_input(
    target_task_id: str = TARGET_TASK_ID, *, poll_seconds: int = 15, deadline_minutes: int = 45
) -> dict[str, Any]:
    """A delete attempt's input: same shape as a provision's, type aks_delete plus its target."""
    return {
        **attempt_input(poll_seconds=poll_seconds, deadline_minutes=deadline_minutes),
        "type": str(TaskType.AKS_DELETE),
        "target_task_id": target_task_id,
    }


def began(proceed: bool = True) -> dict[str, Any]:
    """The begin step's answer: go on, or the attempt was cancelled while queued."""
    status = TaskStatus.RUNNING if proceed else TaskStatus.CANCELLED
    return BeginResult(proceed, status).to_dict()


def accepted(state: str = "Creating") -> dict[str, Any]:
    """ARM accepted the create's PUT."""
    return CreateSubmitted(state, OPERATION_URL).to_dict()


def rejected(error: ClassifiedError) -> dict[str, Any]:
    """ARM refused the create for good."""
    return CreateSubmitted.rejected(error).to_dict()


def polled(state: str | None, *, error: ClassifiedError | None = None) -> dict[str, Any]:
    """One poll's answer: the state (None: the cluster is gone) and a terminal error."""
    return PollResult(state, gone=state is None, error=error).to_dict()


def unanswered(fault: ClassifiedError) -> dict[str, Any]:
    """A poll Azure did not answer (a transient fault): the loop tries again."""
    return PollResult(None, unreachable=fault).to_dict()


def grant_refused(code: str) -> dict[str, Any]:
    """The grant step's answer when ARM refused an assignment (the create still succeeds)."""
    attempt = operation_input()
    return grant_failed_warning(attempt, f"Azure answered {code}").to_dict()


def deleting() -> dict[str, Any]:
    """The delete was accepted by ARM."""
    return DeleteSubmitted().to_dict()


def delete_refused(error: ClassifiedError) -> dict[str, Any]:
    """The delete was refused, classified."""
    return DeleteSubmitted(error=error).to_dict()


def activity_failure(name: str, exc: Exception) -> Exception:
    """The exception the SDK throws into an orchestrator for a failed activity.

    Reason/Details as the local engine (and the Functions host) report them, joined the way
    the SDK's TaskOrchestrationExecutor does: f"{Reason} \\n {Details}".
    """
    try:
        raise exc
    except Exception as raised:  # capture a real traceback for Details
        details = "".join(traceback.format_exception(raised))
    reason = f"Activity function '{name}' failed: {type(exc).__name__}: {exc}"
    return Exception(f"{reason} \n {details}")


Result = Any | Exception | Callable[[Any], Any]


class FakeTask:
    """A durable task: activity, timer, external event or a task_any race."""

    def __init__(self, kind: str, name: str | None = None, payload: Any = None) -> None:
        self.kind = kind
        self.name = name
        self.payload = payload
        self.retry_options: df.RetryOptions | None = None
        self.result: Any = None
        self.failed = False
        self.is_completed = False
        self.cancelled = False

    def cancel(self) -> None:
        """What the SDK's TimerTask.cancel() does, observable by the test."""
        self.cancelled = True

    def complete(self, value: Any) -> None:
        self.is_completed = True
        self.failed = isinstance(value, Exception)
        self.result = value


class FakeOrchestrationContext:
    """Scripted activity results, an optional cancel winning the n-th race, a fake clock."""

    def __init__(
        self,
        orchestration_input: dict[str, Any],
        results: dict[str, list[Result]],
        *,
        cancel_on_race: int | None = None,
    ) -> None:
        self._input = orchestration_input
        self._results = {name: list(values) for name, values in results.items()}
        self._cancel_on_race = cancel_on_race
        self._races = 0
        self.current_utc_datetime = START
        # What the engine recorded when it accepted the start (ExecutionStarted).
        self.histories = [
            HistoryEvent(EventType=0, EventId=-1, IsPlayed=False, Timestamp=START.isoformat())
        ]
        self.is_replaying = False
        self.instance_id = orchestration_input["task_id"]
        self.custom_statuses: list[dict[str, Any]] = []
        self.activities: list[FakeTask] = []
        self.timers: list[FakeTask] = []
        self.events: list[FakeTask] = []
        self.unexpected_calls: list[str] = []

    # --- the DurableOrchestrationContext surface the orchestrators use ---

    def get_input(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._input))

    def call_activity(self, name: str, input_: Any = None) -> FakeTask:
        return self._schedule(name, input_, None)

    def call_activity_with_retry(
        self, name: str, retry_options: df.RetryOptions, input_: Any = None
    ) -> FakeTask:
        return self._schedule(name, input_, retry_options)

    def create_timer(self, fire_at: datetime) -> FakeTask:
        timer = FakeTask("timer", payload=fire_at)
        self.timers.append(timer)
        return timer

    def wait_for_external_event(self, name: str) -> FakeTask:
        event = FakeTask("event", name)
        self.events.append(event)
        return event

    def task_any(self, tasks: list[FakeTask]) -> FakeTask:
        return FakeTask("any", payload=list(tasks))

    def set_custom_status(self, status: Any) -> None:
        encoded = json.dumps(status)  # the host stores it as JSON
        self.custom_statuses.append(json.loads(encoded))

    # --- what the test reads ---

    @property
    def activity_names(self) -> list[str]:
        return [task.name or "" for task in self.activities]

    def inputs_of(self, name: str) -> list[Any]:
        return [task.payload for task in self.activities if task.name == name]

    @property
    def step_indexes(self) -> list[int]:
        return [status["step_index"] for status in self.custom_statuses]

    # --- the replay side: settle whatever the orchestrator yields ---

    def settle(self, task: FakeTask) -> FakeTask:
        """Complete a yielded task the way the durable runtime would; returns it."""
        if task.kind == "timer":
            self._fire(task)
        elif task.kind == "any":
            self._races += 1
            event = next((t for t in task.payload if t.kind == "event"), None)
            if event is not None and self._races == self._cancel_on_race:
                event.complete(None)
                task.complete(event)
            else:
                winner = next(t for t in task.payload if t.kind != "event")
                if winner.kind == "timer":
                    self._fire(winner)
                task.complete(winner)
        elif not task.is_completed:
            raise AssertionError(f"yielded a {task.kind} task that can never complete")
        return task

    def _fire(self, timer: FakeTask) -> None:
        self.current_utc_datetime = max(self.current_utc_datetime, timer.payload)
        timer.complete(None)

    def _schedule(self, name: str, input_: Any, retry: df.RetryOptions | None) -> FakeTask:
        task = FakeTask("activity", name, json.loads(json.dumps(input_)))
        task.retry_options = retry
        self.activities.append(task)
        queue = self._results.get(name)
        if name == names.FINISH_ATTEMPT and not queue:
            task.complete({"status": input_["outcome"]["status"]})
            return task
        if name == names.GRANT_CLUSTER_ACCESS and not queue:  # a create's grant that went well
            task.complete(AccessGranted(True).to_dict())
            return task
        if not queue:
            # Raised into the orchestrator (which may catch it); run_orchestrator fails the test.
            self.unexpected_calls.append(name)
            raise AssertionError(f"unexpected call of activity {name}")
        value = queue.pop(0)
        task.complete(value(input_) if callable(value) else value)
        return task


def run_orchestrator(
    orchestrator: Callable[[Any], Generator[Any, Any, Any]], context: FakeOrchestrationContext
) -> Any:
    """Drive the generator to its return value, throwing failed tasks into it like the SDK."""
    generator = orchestrator(context)
    task = next(generator)
    while True:
        settled = context.settle(task)
        try:
            if settled.failed:
                task = generator.throw(settled.result)
            else:
                task = generator.send(settled.result)
        except StopIteration as stop:
            assert context.unexpected_calls == [], "activities called without a scripted result"
            return stop.value


def orchestrator_of(decorated: Any) -> Callable[[Any], Generator[Any, Any, Any]]:
    """The user generator behind a blueprint decorator (the samples-v2 unwrapping)."""
    return decorated.build().get_user_function().orchestrator_function
