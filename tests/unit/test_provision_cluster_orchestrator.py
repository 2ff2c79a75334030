"""provision_cluster stepped with the shared fake orchestration context (pure logic)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from activities import names
from orchestrators import provision_cluster as module
from orchestrators.blueprint import CANCEL_EVENT
from orchestrators.retry_policy import ARM_RETRY, OUTCOME_RETRY
from provisioning.clusters.arm_calls import AbortAnswer
from provisioning.errors.product import ARM_NOT_ANSWERING_STEP
from provisioning.models import ClassifiedError, ErrorCategory, TaskStatus
from provisioning.operations.messages import START_BY_KEY, AbortResult, FinishResult
from provisioning.operations.shared_work import TransientArmFailure
from tests.orchestration_fakes import (
    OPERATION_URL,
    START,
    FakeOrchestrationContext,
    Result,
    accepted,
    activity_failure,
    attempt_input,
    began,
    grant_refused,
    orchestrator_of,
    polled,
    rejected,
    run_orchestrator,
    unanswered,
)

QUOTA = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "Not enough cores.", False)
EXTENSION_FAILED = ClassifiedError(
    "VMExtensionProvisioningError", ErrorCategory.UNKNOWN, "Node bootstrap failed.", True
)
THROTTLED = ClassifiedError("TooManyRequests", ErrorCategory.TRANSIENT, "Slow down.", True)


def orchestrator_function() -> Any:
    """The user generator behind the blueprint decorator."""
    return orchestrator_of(module.provision_cluster)


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
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Creating"), polled("Succeeded")],
        }
    )

    assert context.activity_names == [
        names.BEGIN_ATTEMPT,
        names.SUBMIT_CLUSTER_CREATE,
        names.POLL_CLUSTER,
        names.POLL_CLUSTER,
        names.GRANT_CLUSTER_ACCESS,
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
    assert context.step_indexes == [1, 2, 3, 3, 4, 5]
    assert context.custom_statuses[-2]["step"] == "Granting you access"
    assert outcome["warning"] is None
    final = context.custom_statuses[-1]
    assert final["status"] == "succeeded"
    assert final["total_steps"] == 5
    assert final["portal_url"] == attempt["portal_url"]


def test_polling_waits_on_durable_timers_at_the_poll_interval() -> None:
    _, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Creating"), polled("Creating"), polled("Succeeded")],
        },
        poll_seconds=20,
    )

    assert [timer.payload for timer in context.timers] == [
        START + timedelta(seconds=20 * n) for n in (1, 2, 3)
    ]
    assert [status["cluster_state"] for status in context.custom_statuses[2:5]] == [
        "Creating",
        "Creating",
        "Creating",
    ]


def test_arm_calls_retry_transient_faults_and_the_outcome_write_keeps_trying() -> None:
    _, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Succeeded")],
        }
    )

    policies = {task.name: task.retry_options for task in context.activities}
    assert policies[names.SUBMIT_CLUSTER_CREATE] is ARM_RETRY
    assert policies[names.POLL_CLUSTER] is ARM_RETRY
    assert policies[names.FINISH_ATTEMPT] is OUTCOME_RETRY


def test_terminal_error_at_put_fails_at_once_without_polling() -> None:
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [rejected(QUOTA)],
        }
    )

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
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [failure],
        }
    )

    assert outcome["status"] == "failed"
    assert outcome["cluster_seen"] is False
    assert outcome["error"] == THROTTLED.to_dict()
    assert stored_outcome(context)["error"] == THROTTLED.to_dict()
    assert names.POLL_CLUSTER not in context.activity_names


def test_async_failure_offers_the_portal_and_a_delete_of_the_partial_cluster() -> None:
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Creating"), polled("Failed", error=EXTENSION_FAILED)],
        }
    )

    assert outcome["status"] == "failed"
    assert outcome["cluster_seen"] is True
    assert outcome["cluster_state"] == "Failed"
    assert outcome["error"]["code"] == "VMExtensionProvisioningError"
    assert action_kinds(outcome) == ["portal", "delete_cluster"]
    assert outcome["error"]["actions"][0]["url"] == attempt_input()["portal_url"]
    assert context.custom_statuses[-1]["portal_url"] == attempt_input()["portal_url"]


def test_polls_that_keep_failing_never_end_the_attempt_before_its_deadline() -> None:
    failure = activity_failure(names.POLL_CLUSTER, TransientArmFailure(THROTTLED))
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [
                failure,
                unanswered(THROTTLED),
                unanswered(THROTTLED),
                failure,
                polled("Succeeded"),
            ],
        },
        poll_seconds=15,
    )

    assert outcome["status"] == "succeeded"
    steps = [status["step"] for status in context.custom_statuses]
    assert steps.count("Azure is not answering; still trying") == 4
    waits = [
        (later.payload - earlier.payload).total_seconds()
        for earlier, later in zip(context.timers, context.timers[1:], strict=False)
    ]
    assert waits == [30, 60, 120, 120]  # doubled per unanswered poll, capped


def test_an_outage_until_the_deadline_fails_on_the_deadline_not_on_the_outage() -> None:
    outcome, _ = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [unanswered(THROTTLED)] * 6,
        },
        poll_seconds=15,
        deadline_minutes=5,
    )

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
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Creating")],
            names.ABORT_CLUSTER_CREATE: [AbortResult(AbortAnswer.ACCEPTED).to_dict()],
        },
        cancel_on_race=3,
    )

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


def test_an_abort_that_never_reached_arm_is_tried_again_until_arm_takes_it() -> None:
    failure = activity_failure(names.ABORT_CLUSTER_CREATE, RuntimeError("no ARM client"))
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.ABORT_CLUSTER_CREATE: [failure, AbortResult(AbortAnswer.ACCEPTED).to_dict()],
            names.POLL_CLUSTER: [polled("Creating")],
        },
        cancel_on_race=2,
    )

    # "Creating" after an abort nobody answered is not a cancel: ask again, then record it.
    assert context.activity_names[-4:] == [
        names.ABORT_CLUSTER_CREATE,
        names.POLL_CLUSTER,
        names.ABORT_CLUSTER_CREATE,
        names.FINISH_ATTEMPT,
    ]
    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is True


def test_a_cancel_while_arm_is_silent_stays_running_until_arm_answers() -> None:
    silent = AbortResult.unanswered().to_dict()
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.ABORT_CLUSTER_CREATE: [
                silent,
                silent,
                AbortResult(AbortAnswer.REFUSED).to_dict(),
            ],
            names.POLL_CLUSTER: [unanswered(THROTTLED), unanswered(THROTTLED), polled("Succeeded")],
        },
        cancel_on_race=2,
        poll_seconds=15,
    )

    # Nothing was recorded while ARM was silent: the step said so, and the cancel was retried
    # with the poll loop's backoff; ARM then said the create had finished: that is the outcome.
    assert context.activity_names.count(names.FINISH_ATTEMPT) == 1
    silent_statuses = [s for s in context.custom_statuses if s["step"] == ARM_NOT_ANSWERING_STEP]
    assert len(silent_statuses) == 2
    assert all(s["status"] == "running" for s in silent_statuses)
    first_retry, second_retry = context.timers[-2:]
    # Backoff as the poll loop's: 30 s after the first silence, then 60 s after the second.
    assert (second_retry.payload - first_retry.payload).total_seconds() == 60
    assert outcome["status"] == "succeeded"
    assert outcome["cluster_state"] == "Succeeded"


def test_a_cancel_arm_never_answers_ends_at_the_deadline_without_claiming_cancelled() -> None:
    silent = AbortResult.unanswered().to_dict()
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.ABORT_CLUSTER_CREATE: [silent] * 40,
            names.POLL_CLUSTER: [unanswered(THROTTLED)] * 40,
        },
        cancel_on_race=2,
        poll_seconds=15,
        deadline_minutes=10,
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] != "Cancelled"
    assert context.current_utc_datetime <= START + timedelta(minutes=10, seconds=1)
    assert context.activity_names.count(names.FINISH_ATTEMPT) == 1


def test_a_cancel_that_lost_the_race_to_completion_records_success() -> None:
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.ABORT_CLUSTER_CREATE: [AbortResult(AbortAnswer.REFUSED, "Succeeded").to_dict()],
            names.POLL_CLUSTER: [polled("Succeeded")],
        },
        cancel_on_race=2,
    )

    assert outcome["status"] == "succeeded"
    assert outcome["error"] is None
    assert outcome["cluster_state"] == "Succeeded"


def test_an_accepted_abort_records_the_cancel_with_the_state_arm_reports() -> None:
    outcome, _ = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.ABORT_CLUSTER_CREATE: [AbortResult(AbortAnswer.ACCEPTED, "Canceling").to_dict()],
        },
        cancel_on_race=2,
    )

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
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Creating"), polled("Creating")],
        },
        poll_seconds=40,
        deadline_minutes=1,
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "DeadlineExceeded"
    assert outcome["cluster_seen"] is True
    assert outcome["cluster_state"] == "Creating"
    assert "portal" in action_kinds(outcome)
    # The last timer is clipped to the deadline rather than overshooting it.
    assert [timer.payload for timer in context.timers] == [
        START + timedelta(seconds=40),
        START + timedelta(minutes=1),
    ]
    assert context.activity_names.count(names.POLL_CLUSTER) == 2


def test_cluster_that_disappears_while_creating_fails_the_attempt() -> None:
    outcome, _ = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Creating"), polled(None)],
        }
    )

    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "ClusterDisappeared"
    assert outcome["cluster_seen"] is True


def test_cluster_canceled_by_azure_is_recorded_as_cancelled() -> None:
    outcome, _ = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Canceled")],
        }
    )

    assert outcome["status"] == "cancelled"
    assert outcome["cluster_seen"] is True


def test_output_reports_the_status_that_was_actually_stored() -> None:
    # The user cancelled while queued; the row's first outcome wins over a late success.
    outcome, _ = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Succeeded")],
            names.FINISH_ATTEMPT: [FinishResult(TaskStatus.CANCELLED).to_dict()],
        }
    )

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


def test_a_fast_poll_backs_off_to_half_a_minute_and_azures_to_two() -> None:
    from orchestrators.poll_loop import backoff_seconds

    assert [backoff_seconds(1, n) for n in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert [backoff_seconds(15, n) for n in range(5)] == [15, 30, 60, 120, 120]
    assert backoff_seconds(600, 3) == 600  # never below the poll interval itself


def test_a_refused_access_grant_still_succeeds_with_a_grant_access_warning() -> None:
    refused = grant_refused("AuthorizationFailed")
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Succeeded")],
            names.GRANT_CLUSTER_ACCESS: [refused],
        }
    )

    assert outcome["status"] == "succeeded"
    assert outcome["error"] is None
    assert outcome["warning"]["code"] == "AccessNotGranted"
    (action,) = outcome["warning"]["actions"]
    assert action["kind"] == "grant_access"
    assert all(c.startswith("az role assignment create ") for c in action["commands"])
    assert stored_outcome(context)["warning"] == outcome["warning"]


def test_an_access_grant_that_keeps_failing_still_succeeds_with_the_commands() -> None:
    unreachable = activity_failure(names.GRANT_CLUSTER_ACCESS, TransientArmFailure(THROTTLED))
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Succeeded")],
            names.GRANT_CLUSTER_ACCESS: [unreachable],
        }
    )

    assert outcome["status"] == "succeeded"
    assert "Slow down" in outcome["warning"]["message"]
    (action,) = outcome["warning"]["actions"]
    assert len(action["commands"]) == 2
    policies = {task.name: task.retry_options for task in context.activities}
    assert policies[names.GRANT_CLUSTER_ACCESS] is ARM_RETRY


def test_a_failed_create_grants_nothing() -> None:
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.POLL_CLUSTER: [polled("Failed", error=EXTENSION_FAILED)],
        }
    )

    assert outcome["status"] == "failed"
    assert names.GRANT_CLUSTER_ACCESS not in context.activity_names


def test_a_cancel_that_lost_the_race_still_grants_access() -> None:
    outcome, context = provision(
        {
            names.BEGIN_ATTEMPT: [began()],
            names.SUBMIT_CLUSTER_CREATE: [accepted()],
            names.ABORT_CLUSTER_CREATE: [AbortResult(AbortAnswer.REFUSED, "Succeeded").to_dict()],
            names.POLL_CLUSTER: [polled("Succeeded")],
        },
        cancel_on_race=2,
    )

    assert outcome["status"] == "succeeded"
    assert context.activity_names[-2:] == [names.GRANT_CLUSTER_ACCESS, names.FINISH_ATTEMPT]
