"""delete_cluster stepped with the same shared fake orchestration context as provision_cluster."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from activities import names
from orchestrators import delete_cluster as module
from provisioning.models import ClassifiedError, ErrorCategory
from provisioning.operations.messages import START_BY_KEY, DeleteSubmitted
from provisioning.operations.shared_work import TransientArmFailure
from tests.orchestration_fakes import (
    START,
    TARGET_TASK_ID,
    FakeOrchestrationContext,
    Result,
    activity_failure,
    began,
    delete_input,
    delete_refused,
    deleting,
    orchestrator_of,
    polled,
    run_orchestrator,
)

THROTTLED = ClassifiedError("TooManyRequests", ErrorCategory.TRANSIENT, "Slow down.", True)
DENIED = ClassifiedError(
    "AuthorizationFailed", ErrorCategory.PERMISSION, "No delete permission.", False
)


def orchestrator_function() -> Any:
    """The user generator behind the blueprint decorator."""
    return orchestrator_of(module.delete_cluster)


def delete(
    results: dict[str, list[Result]], **timing: int
) -> tuple[dict[str, Any], FakeOrchestrationContext]:
    context = FakeOrchestrationContext(delete_input(**timing), results)
    return run_orchestrator(orchestrator_function(), context), context


def test_delete_polls_until_the_cluster_is_gone_then_succeeds() -> None:
    outcome, context = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [deleting()],
            names.POLL_CLUSTER: [polled("Deleting"), polled("Deleting"), polled(None)],
        },
        poll_seconds=5,
    )

    assert context.activity_names == [
        names.BEGIN_ATTEMPT,
        names.SUBMIT_CLUSTER_DELETE,
        names.POLL_CLUSTER,
        names.POLL_CLUSTER,
        names.POLL_CLUSTER,
        names.FINISH_ATTEMPT,
    ]
    assert [timer.payload for timer in context.timers] == [
        START + timedelta(seconds=5 * n) for n in (1, 2, 3)
    ]
    assert outcome["status"] == "succeeded"
    assert outcome["error"] is None
    assert outcome["step"] == "Deleted"
    (payload,) = context.inputs_of(names.FINISH_ATTEMPT)
    assert payload["attempt"]["target_task_id"] == TARGET_TASK_ID
    assert payload["outcome"] == outcome
    assert sorted(set(context.step_indexes)) == [1, 2, 3, 4]
    assert context.custom_statuses[-1]["status"] == "succeeded"


def test_cluster_already_gone_succeeds_without_polling() -> None:
    outcome, context = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [DeleteSubmitted(gone=True).to_dict()],
        }
    )

    assert outcome["status"] == "succeeded"
    assert names.POLL_CLUSTER not in context.activity_names
    assert context.timers == []


def test_rejected_delete_fails_with_the_classified_error() -> None:
    outcome, context = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [delete_refused(DENIED)],
        }
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "AuthorizationFailed"
    assert outcome["error"]["category"] == "permission"
    assert names.POLL_CLUSTER not in context.activity_names


def test_transient_delete_failure_after_the_last_retry_records_the_classified_error() -> None:
    failure = activity_failure(names.SUBMIT_CLUSTER_DELETE, TransientArmFailure(THROTTLED))
    outcome, _ = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [failure],
            names.POLL_CLUSTER: [polled("Failed")],  # re-read: the cluster is still there
        }
    )

    assert outcome["status"] == "failed"
    assert outcome["error"] == THROTTLED.to_dict()
    assert outcome["cluster_state"] == "Failed"


def test_a_delete_call_that_failed_but_reached_azure_records_what_arm_says() -> None:
    failure = activity_failure(names.SUBMIT_CLUSTER_DELETE, TransientArmFailure(THROTTLED))
    outcome, context = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [failure],
            names.POLL_CLUSTER: [polled("Deleting"), polled("Deleting"), polled(None)],
        }
    )

    assert outcome["status"] == "succeeded"
    assert outcome["cluster_state"] == "Deleted"
    assert context.activity_names.count(names.POLL_CLUSTER) == 3


def test_polls_that_keep_failing_never_end_a_delete_before_its_deadline() -> None:
    failure = activity_failure(names.POLL_CLUSTER, TransientArmFailure(THROTTLED))
    outcome, context = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [deleting()],
            names.POLL_CLUSTER: [failure, failure, polled(None)],
        }
    )

    assert outcome["status"] == "succeeded"
    assert "Azure is not answering; still trying" in [s["step"] for s in context.custom_statuses]


def test_cluster_that_ends_failed_while_deleting_fails_the_delete() -> None:
    outcome, _ = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [deleting()],
            names.POLL_CLUSTER: [polled("Failed")],
        }
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeleteFailed"
    assert outcome["cluster_state"] == "Failed"


def test_delete_that_outlives_the_deadline_fails() -> None:
    outcome, context = delete(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_DELETE: [deleting()],
            names.POLL_CLUSTER: [polled("Deleting"), polled("Deleting")],
        },
        poll_seconds=30,
        deadline_minutes=1,
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert context.activity_names.count(names.POLL_CLUSTER) == 2


def test_delete_cancelled_while_queued_leaves_the_cluster_alone() -> None:
    outcome, context = delete({names.BEGIN_ATTEMPT: [began(proceed=False)]})

    assert outcome["status"] == "cancelled"
    assert names.SUBMIT_CLUSTER_DELETE not in context.activity_names
    assert context.activity_names[-1] == names.FINISH_ATTEMPT


def test_a_failed_begin_step_records_a_failed_delete_without_deleting() -> None:
    failure = activity_failure(names.BEGIN_ATTEMPT, RuntimeError("JobState kept changing"))
    outcome, context = delete({names.BEGIN_ATTEMPT: [failure]})

    assert outcome["status"] == "failed"
    assert "JobState kept changing" in outcome["error"]["message"]
    assert names.SUBMIT_CLUSTER_DELETE not in context.activity_names
    assert context.activity_names[-1] == names.FINISH_ATTEMPT


def test_delete_created_after_the_callers_deadline_leaves_the_cluster_alone() -> None:
    late_input = {**delete_input(), START_BY_KEY: (START - timedelta(seconds=1)).isoformat()}
    context = FakeOrchestrationContext(late_input, {})
    outcome = run_orchestrator(orchestrator_function(), context)

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "OrchestrationNotStarted"
    assert context.activity_names == [names.FINISH_ATTEMPT]
