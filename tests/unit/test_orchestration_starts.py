"""provisioning.operations.starts: the late-start guard (pure)."""

from __future__ import annotations

from datetime import timedelta

from provisioning.operations.messages import OperationInput
from provisioning.operations.starts import job_from_orchestration_input, started_too_late
from tests.orchestration_fakes import START, delete_input, operation_input


def test_an_instance_created_after_its_caller_gave_up_started_too_late() -> None:
    bounded = operation_input().with_start_by(START)

    assert started_too_late(bounded, START + timedelta(seconds=1)) is True
    assert started_too_late(bounded, START) is False


def test_without_a_bound_or_a_creation_time_nothing_is_too_late() -> None:
    assert started_too_late(operation_input(), START + timedelta(days=1)) is False
    assert started_too_late(operation_input().with_start_by(START), None) is False


def test_a_naive_engine_clock_is_read_as_utc() -> None:
    bounded = operation_input().with_start_by(START)

    assert started_too_late(bounded, (START + timedelta(seconds=1)).replace(tzinfo=None))


def test_the_missing_row_counts_the_steps_of_its_operation_type() -> None:
    job = job_from_orchestration_input(OperationInput.from_dict(delete_input()))

    assert (str(job.type), job.total_steps, job.status) == ("aks_delete", 4, "queued")
