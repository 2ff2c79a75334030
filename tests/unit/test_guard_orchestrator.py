"""guard_cluster stepped as a generator: decide, look again, act; sleep; wake on events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from activities import names
from orchestrators import guard_cluster as module
from orchestrators.blueprint import CHANGE_CLUSTER, DELETE_CLUSTER
from provisioning.guardrails.messages import (
    ActOutcome,
    ActResult,
    GuardInput,
    GuardSettings,
    GuardVerdict,
    Wake,
)
from provisioning.guardrails.model import ActionKind
from provisioning.guardrails.rules import GuardAction
from provisioning.models import Trigger
from tests.orchestration_fakes import (
    START,
    FakeOrchestrationContext,
    FakeTask,
    Result,
    activity_failure,
    orchestrator_of,
    run_orchestrator,
)

GUARD = GuardInput(
    owner_id="owner-1",
    resource_group="rg-demo",
    cluster_name="demo",
    subscription_id="00000000-0000-0000-0000-000000000000",
    tenant_id="tenant-1",
    check_seconds=300,
    minute_seconds=60.0,
    idle_cpu_percent=5.0,
    poll_seconds=15,
    deadline_minutes=45,
    generation=7,
)
NEXT_CHECK = START + timedelta(seconds=300)
IDLE_STOP = GuardAction(ActionKind.STOP, Trigger.IDLE, quiet_since=START - timedelta(hours=2))


class GuardContext(FakeOrchestrationContext):
    """The shared fake plus what a guard uses: continue_as_new, sub-orchestrations, events."""

    def __init__(
        self,
        results: dict[str, list[Result]],
        *,
        wake_event: str | None = None,
        sub_result: Any = None,
    ) -> None:
        super().__init__({**GUARD.to_dict(), "task_id": "unused"}, results)
        self._input = GUARD.to_dict()
        self.instance_id = "guardrail-abc"
        self.wake_event = wake_event
        self.sub_result = sub_result
        self.continued_with: dict[str, Any] | None = None
        self.sub_orchestrations: list[FakeTask] = []

    def continue_as_new(self, input_: Any) -> None:
        self.continued_with = input_

    def new_uuid(self) -> str:
        return "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    def call_sub_orchestrator(self, name: str, input_: Any = None, instance_id: Any = None):
        task = FakeTask("sub", name, {"input": input_, "instance_id": instance_id})
        task.complete(self.sub_result if self.sub_result is not None else {"status": "succeeded"})
        self.sub_orchestrations.append(task)
        return task

    def settle(self, task: FakeTask) -> FakeTask:
        if task.kind == "any" and self.wake_event is not None:
            event = next(t for t in task.payload if t.kind == "event" and t.name == self.wake_event)
            event.complete({})
            task.complete(event)
            return task
        return super().settle(task)


def verdict(action: GuardAction | None = None, **extra: Any) -> dict[str, Any]:
    return GuardVerdict(False, NEXT_CHECK, action=action, **extra).to_dict()


def started(task_id: str = "task-1") -> dict[str, Any]:
    return ActResult(ActOutcome.STARTED, task_id, {"task_id": task_id}).to_dict()


def run(context: GuardContext) -> Any:
    return run_orchestrator(orchestrator_of(module.guard_cluster), context)


def test_nothing_due_sleeps_until_the_next_check_then_continues_as_new() -> None:
    context = GuardContext({names.CHECK_GUARDRAIL: [verdict()]})
    assert run(context) is None
    assert context.activity_names == [names.CHECK_GUARDRAIL]
    assert [timer.payload for timer in context.timers] == [NEXT_CHECK]
    assert context.continued_with == {**GUARD.to_dict(), "wake": "timer", "generation": 8}


def test_the_check_gets_the_orchestration_clock_and_settings() -> None:
    context = GuardContext({names.CHECK_GUARDRAIL: [verdict()]})
    run(context)
    check = context.inputs_of(names.CHECK_GUARDRAIL)[0]
    assert check["now"] == START.isoformat()
    assert check["guard"]["check_seconds"] == 300 and check["guard"]["minute_seconds"] == 60.0


def test_a_due_action_is_checked_again_then_run_as_the_ordinary_operation() -> None:
    context = GuardContext(
        {names.CHECK_GUARDRAIL: [verdict(IDLE_STOP)], names.ACT_ON_GUARDRAIL: [started("task-7")]}
    )
    run(context)
    assert context.activity_names == [names.CHECK_GUARDRAIL, names.ACT_ON_GUARDRAIL]
    act = context.inputs_of(names.ACT_ON_GUARDRAIL)[0]
    assert act["action"] == IDLE_STOP.to_dict() and act["unique"] == "0f1e2d3c4b5a"
    [child] = context.sub_orchestrations
    assert child.name == CHANGE_CLUSTER
    assert child.payload == {"input": {"task_id": "task-7"}, "instance_id": "task-7"}
    assert context.timers == []  # straight to the next look, which books the outcome
    assert context.continued_with is not None and context.continued_with["wake"] == "after_action"


def test_an_expiry_runs_the_delete_operation() -> None:
    expiry = GuardAction(ActionKind.DELETE, Trigger.EXPIRY)
    context = GuardContext(
        {names.CHECK_GUARDRAIL: [verdict(expiry)], names.ACT_ON_GUARDRAIL: [started()]}
    )
    run(context)
    assert [child.name for child in context.sub_orchestrations] == [DELETE_CLUSTER]


def test_no_longer_due_on_the_second_look_starts_nothing() -> None:
    context = GuardContext(
        {
            names.CHECK_GUARDRAIL: [verdict(IDLE_STOP)],
            names.ACT_ON_GUARDRAIL: [ActResult(ActOutcome.NO_LONGER_DUE).to_dict()],
        }
    )
    run(context)
    assert context.sub_orchestrations == []
    assert [timer.payload for timer in context.timers] == [NEXT_CHECK]
    assert context.continued_with is not None and context.continued_with["wake"] == "timer"


def test_a_busy_cluster_postpones_the_action_to_the_next_check() -> None:
    context = GuardContext(
        {
            names.CHECK_GUARDRAIL: [verdict(IDLE_STOP)],
            names.ACT_ON_GUARDRAIL: [ActResult(ActOutcome.BUSY).to_dict()],
        }
    )
    run(context)
    assert context.sub_orchestrations == [] and len(context.timers) == 1


def test_a_changed_event_wakes_the_guard_early_and_cancels_the_timer() -> None:
    context = GuardContext({names.CHECK_GUARDRAIL: [verdict()]}, wake_event="changed")
    run(context)
    assert context.timers[0].cancelled
    assert context.continued_with is not None and context.continued_with["wake"] == "changed"


def test_an_extended_event_wakes_the_guard_with_its_reason() -> None:
    context = GuardContext({names.CHECK_GUARDRAIL: [verdict()]}, wake_event="extended")
    run(context)
    assert context.continued_with is not None and context.continued_with["wake"] == "extended"


def test_the_guard_ends_when_its_guardrails_or_cluster_are_gone() -> None:
    gone = GuardVerdict(True, START, end_reason="cluster gone").to_dict()
    context = GuardContext({names.CHECK_GUARDRAIL: [gone]})
    assert run(context) == {"ended": "cluster gone"}
    assert context.continued_with is None and context.timers == []


def test_a_failing_check_retries_at_the_next_interval_with_a_full_read() -> None:
    failure = activity_failure(names.CHECK_GUARDRAIL, ConnectionError("storage down"))
    context = GuardContext({names.CHECK_GUARDRAIL: [failure]})
    run(context)
    assert [timer.payload for timer in context.timers] == [START + timedelta(seconds=300)]
    assert context.continued_with is not None
    assert context.continued_with["wake"] == str(Wake.RETRY)


def test_a_failed_operation_does_not_end_the_guard() -> None:
    context = GuardContext(
        {names.CHECK_GUARDRAIL: [verdict(IDLE_STOP)], names.ACT_ON_GUARDRAIL: [started()]},
        sub_result=activity_failure(CHANGE_CLUSTER, RuntimeError("operation failed")),
    )
    run(context)
    assert context.continued_with is not None and context.continued_with["wake"] == "after_action"


def test_the_next_generation_runs_with_the_settings_the_check_read() -> None:
    changed = GuardSettings(
        check_seconds=60,
        minute_seconds=1.0,
        idle_cpu_percent=7.5,
        poll_seconds=2,
        deadline_minutes=30,
    )
    context = GuardContext({names.CHECK_GUARDRAIL: [verdict(settings=changed)]})
    run(context)
    assert context.continued_with is not None
    assert {key: context.continued_with[key] for key in changed.to_dict()} == changed.to_dict()
