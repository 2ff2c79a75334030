"""Operation step cases the real simulator cannot produce, with tiny injected fakes.

Everything the simulator can produce (scenarios, async failure, idempotent re-runs)
is covered in tests/integration/test_attempt_steps.py through the real SDK.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ODataV4Format, ResourceNotFoundError

from provisioning.clusters.arm_calls import CreateAccepted
from provisioning.clusters.ownership import product_tags
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable
from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory, TaskStatus
from provisioning.operations import create_work, delete_work, shared_work
from provisioning.operations.messages import OperationInput, OperationOutcome
from provisioning.operations.shared_work import TransientArmFailure, error_from_activity_failure
from tests.orchestration_fakes import attempt_input, operation_input
from tests.orchestration_fakes import delete_input as delete_attempt_input

NOW = datetime(2025, 3, 1, 12, 5, tzinfo=UTC)
THROTTLED = ClassifiedError(
    "TooManyRequests",
    ErrorCategory.TRANSIENT,
    'Slow down \u2013 "quoted"\nnext line',
    True,
    (ErrorAction("link", "Status", "https://status.example/?a=1&b=2"),),
)


def arm_error(code: str, message: str, status: int) -> HttpResponseError:
    """An HttpResponseError carrying an ARM error body, as the SDK raises it."""
    error = HttpResponseError(message=message)
    error.error = ODataV4Format({"error": {"code": code, "message": message}})
    error.status_code = status
    return error


def raising(exc: Exception) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return call


def fake_client(**operations: Callable[..., Any]) -> SimpleNamespace:
    """A ContainerServiceClient stand-in: only the operations a test needs."""
    send_request = operations.pop("send_request", raising(AssertionError("no send_request")))
    return SimpleNamespace(
        managed_clusters=SimpleNamespace(**operations),
        send_request=send_request,
        _config=SimpleNamespace(base_url="https://management.example"),
    )


def cluster(
    state: str, tags: dict[str, str] | None = None, etag: str = "etag-1"
) -> Callable[..., Any]:
    return lambda resource_group, name: SimpleNamespace(
        provisioning_state=state, tags=tags or {}, e_tag=etag
    )


def own_tags(attempt: OperationInput) -> dict[str, str]:
    """The tags this attempt's own PUT wrote."""
    return product_tags(attempt.owner_id, attempt.task_id)


class UnavailableRepository:
    """A JobStateRepository whose storage is down: every call raises StorageUnavailable."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return raising(StorageUnavailable(f"{name}: storage is down"))


def host_failure_text(activity: str, exc: Exception) -> str:
    """The exception text an orchestrator sees after the last retry of a failed activity.

    local/host/durable/engine.py reports Reason "Activity function '<name>' failed:
    <Type>: <str(exc)>" and Details (the traceback); the SDK joins them as
    f"{Reason} \\n {Details}".
    """
    try:
        raise exc
    except Exception as raised:
        details = "".join(traceback.format_exception(raised))[-4000:]
    reason = f"Activity function '{activity}' failed: {type(exc).__name__}: {exc}"
    return f"{reason} \n {details}"


# --- error_from_activity_failure ---


def test_transient_failure_round_trips_through_the_host_failure_text() -> None:
    text = host_failure_text("submit_cluster_create", TransientArmFailure(THROTTLED))

    assert error_from_activity_failure(text) == THROTTLED


def test_transient_failure_round_trips_from_its_own_message() -> None:
    assert error_from_activity_failure(str(TransientArmFailure(THROTTLED))) == THROTTLED


def test_other_activity_failures_report_the_first_line() -> None:
    text = host_failure_text("poll_cluster", RuntimeError("credential expired"))

    error = error_from_activity_failure(text)

    assert error.code == "ActivityFailed"
    assert error.category == ErrorCategory.UNKNOWN
    assert error.retryable is True
    assert error.message == (
        "Activity function 'poll_cluster' failed: RuntimeError: credential expired"
    )


def test_unreadable_transient_payload_is_still_reported() -> None:
    error = error_from_activity_failure("TransientArmFailure:{not json")

    assert error.code == "ActivityFailed"
    assert "TransientArmFailure" in error.message


def test_empty_failure_text_gives_a_generic_error() -> None:
    assert error_from_activity_failure("").message == "A step failed."


# --- submit / poll / delete against ARM faults the simulator cannot hold ---


def test_submit_raises_a_transient_fault_so_the_orchestrator_retries() -> None:
    client = fake_client(
        begin_create_or_update=raising(arm_error("TooManyRequests", "Slow down", 429)),
        get=raising(ResourceNotFoundError("absent")),
    )

    with pytest.raises(TransientArmFailure) as raised:
        create_work.submit_cluster_create(None, client, operation_input(), now=NOW)

    assert raised.value.error.code == "TooManyRequests"
    assert error_from_activity_failure(str(raised.value)) == raised.value.error


def test_submit_that_finds_its_own_create_after_a_transient_fault_counts_as_accepted() -> None:
    attempt = operation_input()
    client = fake_client(
        begin_create_or_update=raising(arm_error("ServiceUnavailable", "try later", 503)),
        get=cluster("Creating", own_tags(attempt)),
    )

    result = create_work.submit_cluster_create(None, client, attempt, now=NOW).to_dict()

    assert result["error"] is None
    assert result["cluster_state"] == "Creating"


def test_operation_in_progress_on_someone_elses_cluster_is_never_taken_as_our_create() -> None:
    busy = arm_error(
        "OperationNotAllowed",
        "Operation is not allowed because there's an in progress create managed cluster "
        "operation on the managed cluster.",
        409,
    )
    other = product_tags("someone-else", "0000000000000000000-aaaaaaaaaaaa")
    client = fake_client(begin_create_or_update=raising(busy), get=cluster("Creating", other))

    result = create_work.submit_cluster_create(None, client, operation_input(), now=NOW).to_dict()

    assert result["error"] is not None
    assert (result["error"]["code"], result["error"]["category"]) == (
        "ClusterAlreadyExists",
        "conflict",
    )
    assert result["error"]["retryable"] is False
    assert "'demo'" in result["error"]["message"] and "'rg-demo'" in result["error"]["message"]


def test_name_taken_by_the_callers_own_failed_cluster_is_replaced_with_if_match() -> None:
    attempt = operation_input()
    earlier = product_tags(attempt.owner_id, "0000000000000000000-bbbbbbbbbbbb")
    puts: list[dict[str, Any]] = []

    def put(resource_group: str, name: str, body: Any, **kwargs: Any) -> Any:
        puts.append(kwargs)
        if kwargs.get("etag") is None:
            raise arm_error("PreconditionFailed", "exists", 412)
        return SimpleNamespace(result=lambda: CreateAccepted("Creating", "id", None))

    client = fake_client(begin_create_or_update=put, get=cluster("Failed", earlier, "etag-7"))

    result = create_work.submit_cluster_create(None, client, attempt, now=NOW).to_dict()

    assert result["error"] is None
    assert [p.get("etag") for p in puts] == [None, "etag-7"]


@pytest.mark.parametrize("state", ["Succeeded", "Creating", "Updating"])
def test_name_taken_by_the_callers_working_cluster_is_refused_untouched(state: str) -> None:
    attempt = operation_input()
    earlier = product_tags(attempt.owner_id, "0000000000000000000-bbbbbbbbbbbb")
    puts: list[dict[str, Any]] = []

    def put(resource_group: str, name: str, body: Any, **kwargs: Any) -> Any:
        puts.append(kwargs)
        raise arm_error("PreconditionFailed", "exists", 412)

    client = fake_client(begin_create_or_update=put, get=cluster(state, earlier))

    result = create_work.submit_cluster_create(None, client, attempt, now=NOW).to_dict()

    assert result["error"]["code"] == "ClusterAlreadyExists"
    assert len(puts) == 1  # only the create-only PUT; never an If-Match replace


def test_submit_still_raises_when_the_cluster_cannot_be_read_either() -> None:
    client = fake_client(
        begin_create_or_update=raising(arm_error("ServiceUnavailable", "try later", 503)),
        get=raising(arm_error("ServiceUnavailable", "try later", 503)),
    )

    with pytest.raises(TransientArmFailure):
        create_work.submit_cluster_create(None, client, operation_input(), now=NOW)


def test_poll_reports_a_transient_fault_as_unanswered_and_returns_a_terminal_one() -> None:
    throttled = fake_client(get=raising(arm_error("TooManyRequests", "Slow down", 429)))
    denied = fake_client(get=raising(arm_error("AuthorizationFailed", "no read", 403)))

    unanswered = shared_work.poll_cluster(None, throttled, operation_input(), now=NOW).to_dict()
    result = shared_work.poll_cluster(None, denied, operation_input(), now=NOW).to_dict()

    # A transient fault is not an outcome: the orchestrator keeps polling until its deadline.
    assert unanswered["error"] is None
    assert unanswered["unreachable"]["code"] == "TooManyRequests"

    assert result["gone"] is False
    assert result["error"]["category"] == "permission"


def test_failed_cluster_whose_operation_cannot_be_read_still_fails_classified() -> None:
    attempt = operation_input().with_operation_url("https://management.example/operations/1")
    client = fake_client(
        get=cluster("Failed"),
        send_request=raising(arm_error("ServiceUnavailable", "try later", 503)),
    )

    result = shared_work.poll_cluster(None, client, attempt, now=NOW).to_dict()

    assert result["cluster_state"] == "Failed"
    assert result["error"]["code"] == "ProvisioningFailed"


def test_operation_url_off_the_arm_endpoint_is_never_fetched() -> None:
    attempt = operation_input().with_operation_url("https://attacker.example/steal-token")
    client = fake_client(get=cluster("Failed"))  # send_request would fail the test

    result = shared_work.poll_cluster(None, client, attempt, now=NOW).to_dict()

    assert result["error"]["code"] == "ProvisioningFailed"


def delete_input(target_task_id: str = "0000000000000000000-cccccccccccc") -> OperationInput:
    """A cleanup's orchestration input: the caller's id and the attempt it cleans up."""
    return OperationInput.from_dict(delete_attempt_input(target_task_id))


def test_delete_raises_a_transient_fault_so_the_orchestrator_retries() -> None:
    attempt = delete_input()
    client = fake_client(
        begin_delete=raising(arm_error("InternalServerError", "oops", 500)),
        get=cluster("Failed", product_tags(attempt.owner_id, attempt.target_task_id or "")),
    )

    with pytest.raises(TransientArmFailure):
        delete_work.submit_cluster_delete(None, client, attempt, now=NOW)


@pytest.mark.parametrize(
    ("owner", "task", "state"),
    [
        ("someone-else", "0000000000000000000-eeeeeeeeeeee", "Failed"),  # not yours
        ("someone-else", "0000000000000000000-dddddddddddd", "Canceled"),
        ("owner-1", "0000000000000000000-dddddddddddd", "Succeeded"),  # your later success
    ],
)
def test_delete_leaves_a_cluster_the_attempt_did_not_make_alone(
    owner: str, task: str, state: str
) -> None:
    deletes: list[Any] = []
    client = fake_client(
        begin_delete=lambda *args, **kwargs: deletes.append(args),
        get=cluster(state, product_tags(owner, task)),
    )

    result = delete_work.submit_cluster_delete(None, client, delete_input(), now=NOW).to_dict()

    assert deletes == []
    assert result["error"]["code"] == "ClusterNotOwned"


def test_delete_is_conditional_on_the_etag_it_read() -> None:
    attempt = delete_input()
    calls: list[dict[str, Any]] = []

    def delete(resource_group: str, name: str, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return SimpleNamespace(result=lambda: 202)

    client = fake_client(
        begin_delete=delete,
        get=cluster(
            "Canceled", product_tags(attempt.owner_id, attempt.target_task_id or ""), "etag-42"
        ),
    )

    result = delete_work.submit_cluster_delete(None, client, attempt, now=NOW).to_dict()

    assert result == {"gone": False, "error": None}
    assert calls[0]["etag"] == "etag-42"
    assert str(calls[0]["match_condition"]) == "MatchConditions.IfNotModified"


# --- storage faults: progress is best effort, the outcome is not ---


def test_storage_outage_never_fails_a_step_that_reached_azure() -> None:
    client = fake_client(get=cluster("Creating"))

    began = shared_work.begin_attempt(UnavailableRepository(), operation_input(), now=NOW)
    polled = shared_work.poll_cluster(UnavailableRepository(), client, operation_input(), now=NOW)
    began, polled = began.to_dict(), polled.to_dict()

    assert began == {"proceed": True, "status": "running"}
    assert polled == {"cluster_state": "Creating", "gone": False, "error": None}


def test_without_storage_the_attempt_proceeds() -> None:
    began = shared_work.begin_attempt(None, operation_input(), now=NOW).to_dict()

    assert began["proceed"] is True


def test_finishing_raises_on_a_storage_outage_so_the_outcome_is_retried() -> None:
    outcome = OperationOutcome(TaskStatus.SUCCEEDED, None, "Succeeded", True, "Succeeded")

    with pytest.raises(StorageUnavailable):
        shared_work.finish_attempt(UnavailableRepository(), operation_input(), outcome, now=NOW)


def test_transient_failure_message_is_json_after_the_marker() -> None:
    message = str(TransientArmFailure(THROTTLED))

    assert message.startswith(shared_work.TRANSIENT_MARKER)
    payload = json.loads(message.removeprefix(shared_work.TRANSIENT_MARKER))
    assert ClassifiedError.from_dict(payload) == THROTTLED


def test_missing_row_is_rebuilt_from_the_orchestration_input() -> None:
    attempt = attempt_input()
    captured: list[JobState] = []

    class RecordingRepository:
        def upsert_missing(self, job: JobState) -> JobState:
            captured.append(job)
            return job

        def update(self, owner_id: str, task_id: str, mutate: Any) -> JobState | None:
            return mutate(captured[-1])

    began = shared_work.begin_attempt(
        RecordingRepository(),
        OperationInput.from_dict(attempt),
        now=NOW,  # type: ignore[arg-type]
    ).to_dict()

    (job,) = captured
    assert (job.owner_id, job.task_id) == (attempt["owner_id"], attempt["task_id"])
    assert job.request.to_dict() == attempt["request"]
    assert job.created_at.isoformat() == attempt["created_at"]
    assert began == {"proceed": True, "status": "running"}
