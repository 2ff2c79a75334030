"""orchestrators.cluster_operation: a new operation type plugs into the one skeleton."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from activities import names
from orchestrators.cluster_operation import ClusterOperation, Waiting, run_cluster_operation
from orchestrators.outcomes import cancelled_outcome, succeeded_outcome
from provisioning.operations.messages import OperationInput, OperationOutcome, PollResult
from tests.orchestration_fakes import (
    FakeOrchestrationContext,
    Result,
    attempt_input,
    began,
    polled,
    run_orchestrator,
)

SUBMIT_TOY = "submit_toy_change"


def submit_toy(context: Any, attempt: OperationInput) -> Generator[Any, Any, Waiting]:
    """A minimal submit step: one activity, then wait from the state it reports."""
    result = yield context.call_activity(SUBMIT_TOY, attempt.to_dict())
    return Waiting(attempt, result["cluster_state"])


def settled_when_succeeded(attempt: OperationInput, poll: PollResult) -> OperationOutcome | None:
    if poll.cluster_state == "Succeeded":
        return succeeded_outcome(attempt, poll.cluster_state, cluster_seen=True)
    return None


def cancel_toy(
    context: Any, attempt: OperationInput, state: str | None
) -> Generator[Any, Any, OperationOutcome]:
    yield context.call_activity("abort_toy_change", attempt.to_dict())
    return cancelled_outcome(attempt, cluster_seen=True, cluster_state=state)


TOY = ClusterOperation(submit=submit_toy, settled=settled_when_succeeded, cluster_seen=True)
CANCELLABLE_TOY = ClusterOperation(
    submit=submit_toy, settled=settled_when_succeeded, cluster_seen=True, cancel=cancel_toy
)


def run(
    operation: ClusterOperation, results: dict[str, list[Result]], **options: Any
) -> tuple[dict[str, Any], FakeOrchestrationContext]:
    timing = {k: options.pop(k) for k in ("poll_seconds", "deadline_minutes") if k in options}
    context = FakeOrchestrationContext(attempt_input(**timing), results, **options)
    outcome = run_orchestrator(lambda ctx: run_cluster_operation(ctx, operation), context)
    return outcome, context


def test_an_operation_needs_only_its_submit_step_and_settled_rule() -> None:
    outcome, context = run(
        TOY,
        {
            names.BEGIN_ATTEMPT: [began()],
            SUBMIT_TOY: [{"cluster_state": "Updating"}],
            names.POLL_CLUSTER: [polled("Updating"), polled("Succeeded")],
        },
    )

    assert context.activity_names == [
        names.BEGIN_ATTEMPT,
        SUBMIT_TOY,
        names.POLL_CLUSTER,
        names.POLL_CLUSTER,
        names.FINISH_ATTEMPT,
    ]
    assert outcome["status"] == "succeeded"
    shown = [(s["step_index"], s["step"]) for s in context.custom_statuses]
    assert shown[0] == (1, "Starting")
    assert shown[1] == (2, "Submitting cluster to Azure")
    assert shown[-1] == (5, "Finishing")  # the toy runs with a create's step table


def test_an_operation_without_a_cancel_step_never_listens_for_cancel() -> None:
    _, context = run(
        TOY,
        {
            names.BEGIN_ATTEMPT: [began()],
            SUBMIT_TOY: [{"cluster_state": "Updating"}],
            names.POLL_CLUSTER: [polled("Succeeded")],
        },
    )

    assert context.events == []


def test_a_cancel_during_the_wait_runs_the_operations_cancel_step() -> None:
    outcome, context = run(
        CANCELLABLE_TOY,
        {
            names.BEGIN_ATTEMPT: [began()],
            SUBMIT_TOY: [{"cluster_state": "Updating"}],
            "abort_toy_change": [{}],
        },
        cancel_on_race=2,
    )

    assert "abort_toy_change" in context.activity_names
    assert (outcome["status"], outcome["cluster_state"]) == ("cancelled", "Updating")


def test_the_skeleton_fails_an_operation_that_outlives_its_deadline() -> None:
    outcome, _ = run(
        TOY,
        {
            names.BEGIN_ATTEMPT: [began()],
            SUBMIT_TOY: [{"cluster_state": "Updating"}],
            names.POLL_CLUSTER: [polled("Updating"), polled("Updating")],
        },
        poll_seconds=40,
        deadline_minutes=1,
    )

    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert outcome["cluster_seen"] is True


class InputlessContext(FakeOrchestrationContext):
    """A context started without an input object (a start the API never makes)."""

    def get_input(self) -> Any:
        return None


def test_an_orchestration_started_without_an_input_object_fails_naming_it() -> None:
    context = InputlessContext(attempt_input(), {})
    with pytest.raises(TypeError, match="orchestration input must be an object, not NoneType"):
        run_orchestrator(lambda ctx: run_cluster_operation(ctx, TOY), context)
