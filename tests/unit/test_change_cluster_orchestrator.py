"""change_cluster (stop, start, scale, upgrade, node pools) stepped with the shared fake context."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from activities import names
from orchestrators import change_cluster as module
from provisioning.clusters.arm_calls import AbortAnswer
from provisioning.errors.product import ARM_NOT_ANSWERING_STEP
from provisioning.models import ClassifiedError, ErrorCategory, PoolAutoscale, TaskType
from provisioning.operations.messages import AbortResult, ChangeSubmitted, ClusterChange
from tests.orchestration_fakes import (
    FakeOrchestrationContext,
    Result,
    began,
    operation_input,
    orchestrator_of,
    polled,
    run_orchestrator,
    unanswered,
)

THROTTLED = ClassifiedError("TooManyRequests", ErrorCategory.TRANSIENT, "Slow down.", True)
STOPPED_REFUSAL = ClassifiedError(
    "OperationNotAllowed", ErrorCategory.CONFLICT, "The cluster is stopped.", False
)


def change_input(task_type: TaskType = TaskType.AKS_STOP, **change: Any) -> dict[str, Any]:
    attempt = replace(
        operation_input(poll_seconds=5),
        type=task_type,
        change=ClusterChange(**change) if change else None,
    )
    return attempt.to_dict()


def run(
    results: dict[str, list[Result]],
    task_type: TaskType = TaskType.AKS_STOP,
    *,
    cancel_on_race: int | None = None,
    **change: Any,
) -> tuple[dict[str, Any], FakeOrchestrationContext]:
    context = FakeOrchestrationContext(
        change_input(task_type, **change), results, cancel_on_race=cancel_on_race
    )
    return run_orchestrator(orchestrator_of(module.change_cluster), context), context


def submitted(state: str = "Stopping") -> dict[str, Any]:
    return ChangeSubmitted(state).to_dict()


@pytest.mark.parametrize(
    ("task_type", "step", "transitional"),
    [
        (TaskType.AKS_STOP, "Stopped", "Stopping"),
        (TaskType.AKS_START, "Started", "Starting"),
        (TaskType.AKS_SCALE, "Scaled", "Updating"),
        (TaskType.AKS_UPGRADE, "Upgraded", "Upgrading"),
        (TaskType.AKS_POOL_ADD, "Node pool added", "Updating"),
        (TaskType.AKS_POOL_AUTOSCALE, "Autoscaler updated", "Updating"),
        (TaskType.AKS_POOL_DELETE, "Node pool deleted", "Updating"),
    ],
)
def test_each_change_is_submitted_then_polled_until_succeeded(
    task_type: TaskType, step: str, transitional: str
) -> None:
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted(transitional)],
            names.POLL_CLUSTER: [polled(transitional), polled("Succeeded")],
        },
        task_type,
    )

    assert context.activity_names == [
        names.BEGIN_ATTEMPT,
        names.SUBMIT_CLUSTER_CHANGE,
        names.POLL_CLUSTER,
        names.POLL_CLUSTER,
        names.FINISH_ATTEMPT,
    ]
    assert (outcome["status"], outcome["step"], outcome["error"]) == ("succeeded", step, None)
    assert outcome["cluster_seen"] is False  # no "Delete partial cluster" for a lifecycle op


def test_the_change_travels_to_the_submit_step() -> None:
    _, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted("Updating")],
            names.POLL_CLUSTER: [polled("Succeeded")],
        },
        TaskType.AKS_SCALE,
        node_pool="system",
        node_count=4,
    )

    (sent,) = context.inputs_of(names.SUBMIT_CLUSTER_CHANGE)
    assert sent["change"] == {
        "node_pool": "system",
        "node_count": 4,
        "kubernetes_version": None,
        "vm_size": None,
        "autoscale": None,
    }


def test_a_pool_add_carries_its_size_and_autoscaler_bounds_to_the_submit_step() -> None:
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted("Updating")],
            names.POLL_CLUSTER: [polled("Updating"), polled("Succeeded")],
        },
        TaskType.AKS_POOL_ADD,
        node_pool="work",
        vm_size="Standard_D4s_v5",
        autoscale=PoolAutoscale(1, 5),
    )

    (sent,) = context.inputs_of(names.SUBMIT_CLUSTER_CHANGE)
    assert sent["change"]["vm_size"] == "Standard_D4s_v5"
    assert sent["change"]["autoscale"] == {"min": 1, "max": 5}
    assert (outcome["status"], outcome["step"]) == ("succeeded", "Node pool added")


def test_a_refused_change_fails_at_once_with_the_classified_error() -> None:
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [ChangeSubmitted(error=STOPPED_REFUSAL).to_dict()],
        },
        TaskType.AKS_SCALE,
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "OperationNotAllowed"
    assert names.POLL_CLUSTER not in context.activity_names


def test_a_cluster_that_ends_failed_fails_the_operation_naming_it() -> None:
    outcome, _ = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted("Upgrading")],
            names.POLL_CLUSTER: [polled("Failed")],
        },
        TaskType.AKS_UPGRADE,
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "OperationFailed"
    assert "upgrade" in outcome["error"]["message"]


def test_an_outage_while_waiting_keeps_polling() -> None:
    outcome, _ = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted()],
            names.POLL_CLUSTER: [unanswered(THROTTLED), unanswered(THROTTLED), polled("Succeeded")],
        }
    )

    assert outcome["status"] == "succeeded"


def test_cancel_aborts_and_records_cancelled() -> None:
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted()],
            names.ABORT_CLUSTER_CHANGE: [{"aborted": True, "cluster_state": "Canceling"}],
        },
        cancel_on_race=2,
    )

    assert outcome["status"] == "cancelled"
    assert outcome["error"]["category"] == "cancelled"
    assert names.ABORT_CLUSTER_CHANGE in context.activity_names


def test_a_cancel_that_lost_the_race_records_what_arm_says() -> None:
    outcome, _ = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted()],
            names.ABORT_CLUSTER_CHANGE: [{"aborted": False, "cluster_state": "Succeeded"}],
            names.POLL_CLUSTER: [polled("Succeeded")],
        },
        cancel_on_race=2,
    )

    assert outcome["status"] == "succeeded"


@pytest.mark.parametrize("task_type", [TaskType.AKS_STOP, TaskType.AKS_SCALE])
def test_a_cancel_while_arm_is_silent_records_nothing_until_arm_answers(
    task_type: TaskType,
) -> None:
    silent = AbortResult.unanswered().to_dict()
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted()],
            names.ABORT_CLUSTER_CHANGE: [silent, silent, silent],
            # Silent, then still changing after an abort nobody answered, then finished.
            names.POLL_CLUSTER: [unanswered(THROTTLED), polled("Stopping"), polled("Succeeded")],
        },
        task_type,
        cancel_on_race=2,
        **({"node_pool": "system", "node_count": 2} if task_type is TaskType.AKS_SCALE else {}),
    )

    assert context.activity_names.count(names.ABORT_CLUSTER_CHANGE) == 3
    assert context.activity_names.count(names.FINISH_ATTEMPT) == 1
    assert [s["step"] for s in context.custom_statuses].count(ARM_NOT_ANSWERING_STEP) == 2
    assert outcome["status"] == "succeeded"  # what ARM said once it answered


def test_a_refused_abort_then_a_silent_read_is_asked_again_not_guessed() -> None:
    refused = AbortResult(AbortAnswer.REFUSED).to_dict()
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted()],
            names.ABORT_CLUSTER_CHANGE: [refused, refused],
            names.POLL_CLUSTER: [unanswered(THROTTLED), polled("Canceled")],
        },
        cancel_on_race=2,
    )

    assert context.activity_names.count(names.POLL_CLUSTER) == 2
    assert outcome["status"] == "cancelled"
    assert outcome["cluster_state"] == "Canceled"


def test_a_pool_add_whose_cluster_ends_failed_says_the_pool_could_not_be_added() -> None:
    outcome, _ = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted("Updating")],
            names.POLL_CLUSTER: [polled("Failed")],
        },
        TaskType.AKS_POOL_ADD,
        node_pool="work",
        vm_size="Standard_D4s_v5",
        node_count=2,
    )

    assert outcome["status"] == "failed"
    assert "could not add a node pool to the cluster" in outcome["error"]["message"]


def test_a_pool_add_refused_at_submit_fails_without_waiting() -> None:
    refused = ClassifiedError(
        "PoolAlreadyExists", ErrorCategory.CONFLICT, "The cluster already has it.", False
    )
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [ChangeSubmitted(error=refused).to_dict()],
        },
        TaskType.AKS_POOL_ADD,
        node_pool="system",
        vm_size="Standard_D4s_v5",
        node_count=1,
    )

    assert (outcome["status"], outcome["error"]["code"]) == ("failed", "PoolAlreadyExists")
    assert names.POLL_CLUSTER not in context.activity_names


def test_cancelling_an_autoscaler_change_aborts_it() -> None:
    outcome, context = run(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CHANGE: [submitted("Updating")],
            names.ABORT_CLUSTER_CHANGE: [{"aborted": True, "cluster_state": "Canceling"}],
        },
        TaskType.AKS_POOL_AUTOSCALE,
        cancel_on_race=2,
        node_pool="work",
        autoscale=PoolAutoscale(1, 3),
    )

    assert outcome["status"] == "cancelled"
    assert names.ABORT_CLUSTER_CHANGE in context.activity_names
