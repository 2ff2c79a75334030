"""provision_cluster stepped with a hand-written fake orchestration context (pure logic).

The fake follows the SDK's task semantics: `task_any` resolves to the winning task,
a failed task's `.result` is its exception, and a yielded failed task is thrown into
the generator. Durable timers advance the fake clock to their fire time.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.history import HistoryEvent

from activities import names
from orchestrators import provision_cluster as module
from orchestrators.blueprint import CANCEL_EVENT
from orchestrators.retry_policy import ARM_RETRY, OUTCOME_RETRY
from provisioning.attempt_steps import TransientArmFailure
from provisioning.attempts import (
    START_BY_KEY,
    OrchestrationTiming,
    orchestration_input,
    portal_url_of,
)
from provisioning.jobstate import JobState
from provisioning.models import ClassifiedError, ErrorCategory, ProvisionRequest
from provisioning.task_ids import new_task_id

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REQUEST = ProvisionRequest(
    "00000000-0000-0000-0000-000000000000", "rg-demo", "demo", "eastus", "Standard_D2s_v3", 2,
    None,
)
OPERATION_URL = "https://management.example/operations/op-1"
QUOTA = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "Not enough cores.", False)
EXTENSION_FAILED = ClassifiedError(
    "VMExtensionProvisioningError", ErrorCategory.UNKNOWN, "Node bootstrap failed.", True
)
THROTTLED = ClassifiedError("TooManyRequests", ErrorCategory.TRANSIENT, "Slow down.", True)

Result = Any | Exception | Callable[[Any], Any]


def attempt_input(*, poll_seconds: int = 15, deadline_minutes: int = 45) -> dict[str, Any]:
    """The orchestration input exactly as the accept step builds it."""
    job = JobState.new("owner-1", new_task_id(START, "a" * 12), REQUEST, now=START, total_steps=4)
    timing = OrchestrationTiming(poll_seconds=poll_seconds, deadline_minutes=deadline_minutes)
    return orchestration_input(job, timing, portal_url_of(REQUEST, "tenant-1"))


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


def orchestrator_function() -> Callable[[Any], Generator[Any, Any, Any]]:
    """The user generator behind the blueprint decorator (the samples-v2 unwrapping)."""
    return module.provision_cluster.build().get_user_function().orchestrator_function


def began(proceed: bool = True) -> dict[str, Any]:
    return {"proceed": proceed, "status": "running" if proceed else "cancelled"}


def accepted(state: str = "Creating") -> dict[str, Any]:
    return {"accepted": True, "cluster_state": state, "operation_url": OPERATION_URL,
            "error": None}


def polled(state: str | None, *, error: ClassifiedError | None = None) -> dict[str, Any]:
    return {"cluster_state": state, "gone": state is None,
            "error": error.to_dict() if error else None}


def provision(
    results: dict[str, list[Result]], *, cancel_on_race: int | None = None, **timing: int
) -> tuple[dict[str, Any], FakeOrchestrationContext]:
    context = FakeOrchestrationContext(
        attempt_input(**timing), results, cancel_on_race=cancel_on_race
    )
    return run_orchestrator(orchestrator_function(), context), context


def stored_outcome(context: FakeOrchestrationContext) -> dict[str, Any]:
    (payload,) = context.inputs_of(names.FINISH_ATTEMPT)
    return payload["outcome"]


def action_kinds(outcome: dict[str, Any]) -> list[str]:
    return [action["kind"] for action in outcome["error"]["actions"]]


def test_success_runs_the_activities_in_order_and_reports_each_step() -> None:
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Creating"), polled("Succeeded")],
    })

    assert context.activity_names == [
        names.BEGIN_ATTEMPT,
        names.SUBMIT_CLUSTER_CREATE,
        names.POLL_CLUSTER,
        names.POLL_CLUSTER,
        names.FINISH_ATTEMPT,
    ]
    attempt = attempt_input()
    assert context.inputs_of(names.BEGIN_ATTEMPT) == [attempt]
    assert context.inputs_of(names.SUBMIT_CLUSTER_CREATE) == [attempt]
    assert context.inputs_of(names.POLL_CLUSTER)[0] == {**attempt, "operation_url": OPERATION_URL}
    assert outcome["status"] == "succeeded"
    assert outcome["error"] is None
    assert outcome["cluster_seen"] is True
    assert outcome["cluster_state"] == "Succeeded"
    assert stored_outcome(context) == outcome
    assert context.step_indexes == [1, 2, 3, 3, 4]
    final = context.custom_statuses[-1]
    assert final["status"] == "succeeded"
    assert final["total_steps"] == 4
    assert final["portal_url"] == attempt["portal_url"]


def test_polling_waits_on_durable_timers_at_the_poll_interval() -> None:
    _, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Creating"), polled("Creating"), polled("Succeeded")],
    }, poll_seconds=20)

    assert [timer.payload for timer in context.timers] == [
        START + timedelta(seconds=20 * n) for n in (1, 2, 3)
    ]
    assert [status["cluster_state"] for status in context.custom_statuses[2:5]] == [
        "Creating", "Creating", "Creating"
    ]


def test_arm_calls_retry_transient_faults_and_the_outcome_write_keeps_trying() -> None:
    _, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Succeeded")],
    })

    policies = {task.name: task.retry_options for task in context.activities}
    assert policies[names.SUBMIT_CLUSTER_CREATE] is ARM_RETRY
    assert policies[names.POLL_CLUSTER] is ARM_RETRY
    assert policies[names.FINISH_ATTEMPT] is OUTCOME_RETRY


def test_terminal_error_at_put_fails_at_once_without_polling() -> None:
    rejected = {"accepted": False, "cluster_state": None, "error": QUOTA.to_dict()}
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [rejected],
    })

    assert outcome["status"] == "failed"
    assert outcome["cluster_seen"] is False
    assert outcome["error"]["code"] == "QuotaExceeded"
    assert outcome["error"]["category"] == "quota"
    assert "delete_cluster" not in action_kinds(outcome)
    assert names.POLL_CLUSTER not in context.activity_names
    assert context.timers == []
    assert context.custom_statuses[-1]["portal_url"] is None


def test_transient_put_failure_after_the_last_retry_records_the_classified_error() -> None:
    failure = activity_failure(names.SUBMIT_CLUSTER_CREATE, TransientArmFailure(THROTTLED))
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [failure],
    })

    assert outcome["status"] == "failed"
    assert outcome["cluster_seen"] is False
    assert outcome["error"] == THROTTLED.to_dict()
    assert stored_outcome(context)["error"] == THROTTLED.to_dict()
    assert names.POLL_CLUSTER not in context.activity_names


def test_async_failure_offers_the_portal_and_a_delete_of_the_partial_cluster() -> None:
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Creating"), polled("Failed", error=EXTENSION_FAILED)],
    })

    assert outcome["status"] == "failed"
    assert outcome["cluster_seen"] is True
    assert outcome["cluster_state"] == "Failed"
    assert outcome["error"]["code"] == "VMExtensionProvisioningError"
    assert action_kinds(outcome) == ["portal", "delete_cluster"]
    assert outcome["error"]["actions"][0]["url"] == attempt_input()["portal_url"]
    assert context.custom_statuses[-1]["portal_url"] == attempt_input()["portal_url"]


def test_polls_that_keep_failing_never_end_the_attempt_before_its_deadline() -> None:
    failure = activity_failure(names.POLL_CLUSTER, TransientArmFailure(THROTTLED))
    unanswered = {"cluster_state": None, "gone": False, "error": None,
                  "unreachable": THROTTLED.to_dict()}
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [failure, unanswered, unanswered, failure, polled("Succeeded")],
    }, poll_seconds=15)

    assert outcome["status"] == "succeeded"
    steps = [status["step"] for status in context.custom_statuses]
    assert steps.count("Azure is not answering; still trying") == 4
    waits = [
        (later.payload - earlier.payload).total_seconds()
        for earlier, later in zip(context.timers, context.timers[1:], strict=False)
    ]
    assert waits == [30, 60, 120, 120]  # doubled per unanswered poll, capped


def test_an_outage_until_the_deadline_fails_on_the_deadline_not_on_the_outage() -> None:
    unanswered = {"cluster_state": None, "gone": False, "error": None,
                  "unreachable": THROTTLED.to_dict()}
    outcome, _ = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [unanswered] * 6,
    }, poll_seconds=15, deadline_minutes=5)

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert outcome["cluster_seen"] is True


def test_cancel_before_the_put_never_touches_azure() -> None:
    outcome, context = provision({names.BEGIN_ATTEMPT: [began()]}, cancel_on_race=1)

    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is False
    assert outcome["error"]["code"] == "Cancelled"
    assert action_kinds(outcome) == []
    assert context.activity_names == [names.BEGIN_ATTEMPT, names.FINISH_ATTEMPT]
    assert [event.name for event in context.events] == [CANCEL_EVENT]


def test_cancelled_while_queued_stops_before_the_put() -> None:
    outcome, context = provision({names.BEGIN_ATTEMPT: [began(proceed=False)]})

    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is False
    assert names.SUBMIT_CLUSTER_CREATE not in context.activity_names


def test_cancel_after_the_put_aborts_and_offers_cleanup() -> None:
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Creating")],
        names.ABORT_CLUSTER_CREATE: [{"aborted": True}],
    }, cancel_on_race=3)

    assert context.activity_names == [
        names.BEGIN_ATTEMPT,
        names.SUBMIT_CLUSTER_CREATE,
        names.POLL_CLUSTER,
        names.ABORT_CLUSTER_CREATE,
        names.FINISH_ATTEMPT,
    ]
    losing_timer = context.timers[-1]
    assert losing_timer.cancelled and not losing_timer.is_completed
    assert context.inputs_of(names.ABORT_CLUSTER_CREATE)[0]["operation_url"] == OPERATION_URL
    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is True
    assert outcome["cluster_state"] == "Creating"
    assert action_kinds(outcome) == ["portal", "delete_cluster"]
    assert context.custom_statuses[-1]["portal_url"] == attempt_input()["portal_url"]
    assert context.custom_statuses[-1]["status"] == "cancelled"


def test_a_failed_abort_still_records_the_cancel() -> None:
    failure = activity_failure(names.ABORT_CLUSTER_CREATE, RuntimeError("no ARM client"))
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.ABORT_CLUSTER_CREATE: [failure],
        names.POLL_CLUSTER: [polled("Creating")],
    }, cancel_on_race=2)

    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is True
    assert context.activity_names[-1] == names.FINISH_ATTEMPT


def test_a_cancel_that_lost_the_race_to_completion_records_success() -> None:
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.ABORT_CLUSTER_CREATE: [{"aborted": False, "cluster_state": "Succeeded"}],
        names.POLL_CLUSTER: [polled("Succeeded")],
    }, cancel_on_race=2)

    assert outcome["status"] == "succeeded"
    assert outcome["error"] is None
    assert outcome["cluster_state"] == "Succeeded"


def test_an_accepted_abort_records_the_cancel_with_the_state_arm_reports() -> None:
    outcome, _ = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.ABORT_CLUSTER_CREATE: [{"aborted": True, "cluster_state": "Canceling"}],
    }, cancel_on_race=2)

    assert outcome["status"] == "cancelled"
    assert outcome["cluster_state"] == "Canceling"
    assert {"portal", "delete_cluster"} <= set(action_kinds(outcome))


def test_a_failed_begin_step_still_records_a_terminal_outcome() -> None:
    failure = activity_failure(names.BEGIN_ATTEMPT, RuntimeError("JobState kept changing"))
    outcome, context = provision({names.BEGIN_ATTEMPT: [failure]})

    assert outcome["status"] == "failed"
    assert outcome["cluster_seen"] is False
    assert "JobState kept changing" in outcome["error"]["message"]
    assert names.SUBMIT_CLUSTER_CREATE not in context.activity_names
    assert context.activity_names[-1] == names.FINISH_ATTEMPT


def test_deadline_fails_the_attempt_while_the_cluster_may_still_be_creating() -> None:
    outcome, context = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Creating"), polled("Creating")],
    }, poll_seconds=40, deadline_minutes=1)

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert outcome["cluster_seen"] is True
    assert outcome["cluster_state"] == "Creating"
    assert "portal" in action_kinds(outcome)
    # The last timer is clipped to the deadline rather than overshooting it.
    assert [timer.payload for timer in context.timers] == [
        START + timedelta(seconds=40), START + timedelta(minutes=1)
    ]
    assert context.activity_names.count(names.POLL_CLUSTER) == 2


def test_cluster_that_disappears_while_creating_fails_the_attempt() -> None:
    outcome, _ = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Creating"), polled(None)],
    })

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "ClusterDisappeared"
    assert outcome["cluster_seen"] is True


def test_cluster_canceled_by_azure_is_recorded_as_cancelled() -> None:
    outcome, _ = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Canceled")],
    })

    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is True


def test_output_reports_the_status_that_was_actually_stored() -> None:
    # The user cancelled while queued; the row's first outcome wins over a late success.
    outcome, _ = provision({
        names.BEGIN_ATTEMPT: [began()],
        names.SUBMIT_CLUSTER_CREATE: [accepted()],
        names.POLL_CLUSTER: [polled("Succeeded")],
        names.FINISH_ATTEMPT: [{"status": "cancelled"}],
    })

    assert outcome["status"] == "cancelled"


def test_instance_created_after_the_callers_deadline_stops_before_azure() -> None:
    """The HTTP caller answered 503 at start_by; an engine that created it later must not go on."""
    context = FakeOrchestrationContext(
        {**attempt_input(), START_BY_KEY: (START - timedelta(seconds=1)).isoformat()}, {}
    )
    outcome = run_orchestrator(orchestrator_function(), context)

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "OrchestrationNotStarted"
    assert outcome["cluster_seen"] is False
    assert context.activity_names == [names.FINISH_ATTEMPT]


def test_instance_created_in_time_proceeds_even_when_it_first_runs_much_later() -> None:
    """A busy engine may run an accepted instance late; that is no reason to fail it."""
    context = FakeOrchestrationContext(
        {**attempt_input(), START_BY_KEY: (START + timedelta(seconds=15)).isoformat()},
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Succeeded")],
        },
    )
    context.current_utc_datetime = START + timedelta(minutes=10)
    outcome = run_orchestrator(orchestrator_function(), context)

    assert outcome["status"] == "succeeded"
