"""decide_episode: one episode's decision, driven with synthetic histories and a real SDK replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df

from local.host.durable.episode import (
    CancelTimer,
    InstanceMeta,
    ParentLink,
    ReplayOutcome,
    RunActivity,
    RunEntityOperation,
    StartSubOrchestration,
    StartTimer,
    decide_episode,
)
from local.host.durable.history import EventType, event
from local.host.durable.store import InboxMessage, InstanceState

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def replay_with(orchestrator: Any, input_json: str | None = None) -> Any:
    """A replay through the real SDK executor, like the engine's."""
    handle = df.Orchestrator.create(orchestrator)

    def replay(history: list[dict[str, Any]]) -> ReplayOutcome:
        context = {
            "history": history,
            "instanceId": "i-1",
            "isReplaying": False,
            "parentInstanceId": None,
            "input": input_json,
            "upperSchemaVersion": 2,
            "upperSchemaVersionNew": 2,
        }
        try:
            return ReplayOutcome.from_state(json.loads(handle(json.dumps(context))))
        except Exception as exc:
            return ReplayOutcome([], False, None, None, error=str(exc))

    return replay


def state(name: str = "orch") -> InstanceState:
    return InstanceState("i-1", name, "Running", None, NOW, NOW)


def chain(context: df.DurableOrchestrationContext) -> Any:
    first = yield context.call_activity("a", 1)
    second = yield context.call_activity("b", first)
    return second


def timer_then_done(context: df.DurableOrchestrationContext) -> Any:
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=5))
    return "done"


def event_or_timer(context: df.DurableOrchestrationContext) -> Any:
    timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=60))
    approval = context.wait_for_external_event("go")
    winner = yield context.task_any([approval, timer])
    if winner == approval:
        timer.cancel()
    return approval.result


def parent(context: df.DurableOrchestrationContext) -> Any:
    child = yield context.call_sub_orchestrator("child", {"n": 1})
    return child


def uses_entity(context: df.DurableOrchestrationContext) -> Any:
    value = yield context.call_entity(df.EntityId("Counter", "k"), "get")
    return value


def uses_http(context: df.DurableOrchestrationContext) -> Any:
    response = yield context.call_http("GET", "http://127.0.0.1:9/")
    return response.status_code


def raises(context: df.DurableOrchestrationContext) -> Any:
    raise ValueError("bad input")
    yield  # pragma: no cover


def run(
    orchestrator: Any, history: list[dict[str, Any]], inbox: list[InboxMessage], meta: InstanceMeta
) -> Any:
    return decide_episode(state(), history, inbox, meta, replay_with(orchestrator), NOW)


def test_first_episode_opens_history_and_schedules_the_first_activity() -> None:
    decision = run(chain, [], [], InstanceMeta())
    kinds = [e["EventType"] for e in decision.new_events]
    assert kinds == [
        EventType.ORCHESTRATOR_STARTED,
        EventType.EXECUTION_STARTED,
        EventType.TASK_SCHEDULED,
        EventType.ORCHESTRATOR_COMPLETED,
    ]
    assert decision.work == [RunActivity(0, "a", "1")]
    assert decision.runtime_status == "Running" and decision.meta.next_id == 1


def test_a_completion_in_the_inbox_is_absorbed_and_the_next_activity_scheduled() -> None:
    first = run(chain, [], [], InstanceMeta())
    done = event(EventType.TASK_COMPLETED, -1, NOW, TaskScheduledId=0, Result="2")
    decision = run(chain, first.new_events, [InboxMessage("i1", done)], first.meta)
    assert decision.consumed == ["i1"]
    assert decision.work == [RunActivity(1, "b", "2")]


def test_the_last_completion_completes_the_instance_with_the_output() -> None:
    first = run(chain, [], [], InstanceMeta())
    history = first.new_events
    second = run(
        chain,
        history,
        [
            InboxMessage(
                "i1", event(EventType.TASK_COMPLETED, -1, NOW, TaskScheduledId=0, Result="2")
            )
        ],
        first.meta,
    )
    history = history + second.new_events
    third = run(
        chain,
        history,
        [
            InboxMessage(
                "i2", event(EventType.TASK_COMPLETED, -1, NOW, TaskScheduledId=1, Result='"end"')
            )
        ],
        second.meta,
    )
    assert third.runtime_status == "Completed"
    assert third.output == '"end"'
    assert third.new_events[-1]["EventType"] == EventType.EXECUTION_COMPLETED


def test_a_duplicate_completion_is_not_delivered_twice() -> None:
    first = run(chain, [], [], InstanceMeta())
    done = event(EventType.TASK_COMPLETED, -1, NOW, TaskScheduledId=0, Result="2")
    second = run(chain, first.new_events, [InboxMessage("i1", done)], first.meta)
    history = first.new_events + second.new_events
    assert run(chain, history, [InboxMessage("i2", dict(done))], second.meta) is None


def test_a_raised_event_waits_in_the_inbox_until_the_orchestrator_waits_for_it() -> None:
    raised = InboxMessage("i0", event(EventType.EVENT_RAISED, -1, NOW, Name="go", Input='"x"'))
    assert (
        run(chain, run(chain, [], [], InstanceMeta()).new_events, [raised], InstanceMeta()) is None
    )
    first = run(event_or_timer, [], [], InstanceMeta())
    assert first.meta.waits == {"go": 1}
    decision = run(event_or_timer, first.new_events, [raised], first.meta)
    assert decision.runtime_status == "Completed" and decision.output == '"x"'
    assert CancelTimer(0) in decision.work


def test_an_output_waits_for_the_live_timer_then_completes_when_it_fires() -> None:
    first = run(timer_then_done, [], [], InstanceMeta())
    assert isinstance(first.work[0], StartTimer)
    meta = first.meta
    meta.completion, meta.completion_pending = '"held"', True
    fired = event(EventType.TIMER_FIRED, -1, NOW, TimerId=0, FireAt="x")
    decision = run(timer_then_done, first.new_events, [InboxMessage("i1", fired)], meta)
    assert decision.runtime_status == "Completed" and decision.output == '"held"'


def test_a_sub_orchestration_gets_a_derived_instance_id_and_a_start_work_item() -> None:
    decision = run(parent, [], [], InstanceMeta())
    assert decision.work == [StartSubOrchestration(0, "child", "i-1:0", '{"n": 1}')]
    created = decision.new_events[2]
    assert created["EventType"] == EventType.SUB_ORCHESTRATION_CREATED
    assert created["InstanceId"] == "i-1:0"


def test_an_action_the_host_does_not_know_fails_the_instance_at_once() -> None:
    def unknown_action(history: list[dict[str, Any]]) -> ReplayOutcome:
        return ReplayOutcome([[{"actionType": 99}]], False, None, None)

    decision = decide_episode(state(), [], [], InstanceMeta(), unknown_action, NOW)
    assert decision.runtime_status == "Failed"
    assert "action type 99 is not supported by the local host" in json.loads(decision.output)
    assert decision.work == []


def test_call_http_is_scheduled_as_the_builtin_http_activity_with_the_request() -> None:
    decision = run(uses_http, [], [], InstanceMeta())
    (job,) = decision.work
    assert isinstance(job, RunActivity) and job.name == "BuiltIn::HttpActivity"
    assert json.loads(job.input)["uri"] == "http://127.0.0.1:9/"


def test_an_entity_call_sends_a_request_and_waits_for_the_response_event() -> None:
    decision = run(uses_entity, [], [], InstanceMeta())
    sent = decision.new_events[2]
    assert sent["EventType"] == EventType.EVENT_SENT and sent["InstanceId"] == "@counter@k"
    (job,) = decision.work
    assert isinstance(job, RunEntityOperation) and job.operation == "get"
    assert json.loads(sent["Input"])["id"] == job.request_id
    assert decision.meta.waits == {job.request_id: 1}
    response = event(
        EventType.EVENT_RAISED, -1, NOW, Name=job.request_id, Input=json.dumps({"result": "7"})
    )
    done = run(uses_entity, decision.new_events, [InboxMessage("i1", response)], decision.meta)
    assert done.runtime_status == "Completed" and done.output == "7"


def test_a_failing_episode_keeps_the_bookkeeping_from_before_it_for_rewind() -> None:
    before = InstanceMeta(next_id=0, parent=ParentLink("p", 3))
    decision = run(raises, [], [], before)
    assert decision.runtime_status == "Failed"
    assert "bad input" in decision.output
    assert decision.meta == before


def test_meta_round_trips_through_its_json_form() -> None:
    decision = run(event_or_timer, [], [], InstanceMeta(parent=ParentLink("p", 2)))
    assert InstanceMeta.from_json(json.loads(json.dumps(decision.meta.to_json()))) == decision.meta


def event_then_again(context: df.DurableOrchestrationContext) -> Any:
    """A guard-like generation: a timer raced against an event, then continue_as_new."""
    timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=60))
    wake = context.wait_for_external_event("changed")
    winner = yield context.task_any([timer, wake])
    if winner == wake:
        timer.cancel()
    context.continue_as_new({"woke": "event" if winner == wake else "timer"})


def test_continue_as_new_discards_results_of_the_old_execution_and_keeps_raised_events() -> None:
    first = run(event_then_again, [], [], InstanceMeta())
    raised = InboxMessage("i0", event(EventType.EVENT_RAISED, -1, NOW, Name="changed", Input="{}"))
    # The old execution's timer fired just as the event won; another event waits for a waiter.
    stale = InboxMessage("i1", event(EventType.TIMER_FIRED, -1, NOW, TimerId=0, FireAt="x"))
    later = InboxMessage("i2", event(EventType.EVENT_RAISED, -1, NOW, Name="changed", Input="{}"))
    decision = run(event_then_again, first.new_events, [raised, stale, later], first.meta)
    assert decision.reset_history and decision.new_input is not None
    assert json.loads(json.loads(decision.new_input)) == {"woke": "event"}  # a string token
    assert decision.meta.generation == first.meta.generation + 1
    assert decision.consumed == ["i0", "i1"]  # the stale timer goes; the later event stays
