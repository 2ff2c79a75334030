"""recent_failures against a real Azurite: window, order, limit, resolution, cost."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from provisioning.jobs.recent_failures import recent_failures
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ClassifiedError,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)

NOW = datetime.now(UTC).replace(microsecond=0)
OWNER = "owner-1"
ERROR = ClassifiedError("AllocationFailed", ErrorCategory.TRANSIENT, "no capacity", True)


def attempt(
    age: timedelta,
    status: TaskStatus,
    *,
    owner: str = OWNER,
    cluster: str = "demo",
    **changes: Any,
) -> JobState:
    created = NOW - age
    request = ProvisionRequest("sub", "rg", cluster, "eastus", "Standard_D2s_v3", 1, None)
    job = JobState.new(owner, new_task_id(created, uuid.uuid4().hex), request, now=created)
    error = ERROR if status == TaskStatus.FAILED else None
    return replace(job, status=status, error=error, **changes)


def store(repo: JobStateRepository, *jobs: JobState) -> None:
    for job in jobs:
        repo.insert_new(job)


def ids(jobs: list[JobState]) -> list[str]:
    return [job.task_id for job in jobs]


def test_failures_in_the_window_come_newest_first(repo: JobStateRepository) -> None:
    old = attempt(timedelta(hours=20), TaskStatus.FAILED)
    new = attempt(timedelta(minutes=5), TaskStatus.FAILED)
    middle = attempt(timedelta(hours=2), TaskStatus.FAILED)
    too_old = attempt(timedelta(hours=25), TaskStatus.FAILED)
    store(repo, old, new, middle, too_old)

    found = recent_failures(repo, OWNER, now=NOW, hours=24, limit=10)

    assert ids(found.jobs) == ids([new, middle, old])
    assert found.jobs[0].error == ERROR


def test_window_edge_and_future_rows(repo: JobStateRepository) -> None:
    at_edge = attempt(timedelta(hours=3), TaskStatus.FAILED)
    just_outside = attempt(timedelta(hours=3, microseconds=1), TaskStatus.FAILED)
    future = attempt(-timedelta(minutes=1), TaskStatus.FAILED)
    store(repo, at_edge, just_outside, future)

    assert ids(recent_failures(repo, OWNER, now=NOW, hours=3, limit=10).jobs) == ids([at_edge])


def test_only_unresolved_provision_failures_are_reported(repo: JobStateRepository) -> None:
    failed = attempt(timedelta(minutes=1), TaskStatus.FAILED)
    cancelled_with_cluster = attempt(timedelta(minutes=2), TaskStatus.CANCELLED, cluster_seen=True)
    cancelled_early = attempt(timedelta(minutes=3), TaskStatus.CANCELLED)
    succeeded = attempt(timedelta(minutes=4), TaskStatus.SUCCEEDED)
    running = attempt(timedelta(minutes=5), TaskStatus.RUNNING)
    dismissed = attempt(timedelta(minutes=6), TaskStatus.FAILED, dismissed_at=NOW)
    resolved = attempt(timedelta(minutes=7), TaskStatus.FAILED, resolved_by="later")
    failed_delete = attempt(timedelta(minutes=8), TaskStatus.FAILED, type=TaskType.AKS_DELETE)
    someone_else = attempt(timedelta(minutes=9), TaskStatus.FAILED, owner="owner-2")
    store(
        repo,
        failed,
        cancelled_with_cluster,
        cancelled_early,
        succeeded,
        running,
        dismissed,
        resolved,
        failed_delete,
        someone_else,
    )

    found = recent_failures(repo, OWNER, now=NOW, hours=24, limit=10)

    assert ids(found.jobs) == ids([failed, cancelled_with_cluster])
    # Status, type and "cancelled but left a cluster" are filtered by the service: succeeded,
    # running, delete and early-cancelled rows never arrive; only resolution is checked here.
    assert found.entities_read == 4


def test_dismissing_hides_the_failure(repo: JobStateRepository) -> None:
    failed = attempt(timedelta(minutes=1), TaskStatus.FAILED)
    store(repo, failed)
    repo.dismiss(OWNER, failed.task_id, NOW)
    assert recent_failures(repo, OWNER, now=NOW, hours=24, limit=10).jobs == []


def test_limit_keeps_the_newest(repo: JobStateRepository) -> None:
    failures = [attempt(timedelta(minutes=10 * i + 1), TaskStatus.FAILED) for i in range(6)]
    store(repo, *failures)

    found = recent_failures(repo, OWNER, now=NOW, hours=24, limit=2)

    assert ids(found.jobs) == ids(failures[:2])


def test_limit_is_filled_past_resolved_rows_across_pages(repo: JobStateRepository) -> None:
    resolved = [
        attempt(timedelta(minutes=i + 1), TaskStatus.FAILED, dismissed_at=NOW) for i in range(25)
    ]
    open_failure = attempt(timedelta(hours=1), TaskStatus.FAILED)
    store(repo, *resolved, open_failure)

    found = recent_failures(repo, OWNER, now=NOW, hours=24, limit=1)

    assert ids(found.jobs) == ids([open_failure])
    assert found.entities_read == 26


def test_old_failures_behind_many_newer_rows_are_found_cheaply(
    repo: JobStateRepository,
) -> None:
    """400 attempts in the window; the only failures are the oldest ones."""
    successes = [
        attempt(timedelta(minutes=2 * i + 1), TaskStatus.SUCCEEDED, cluster=f"ok{i}")
        for i in range(396)
    ]
    old_failures = [
        attempt(timedelta(hours=20, minutes=i), TaskStatus.FAILED, cluster=f"bad{i}")
        for i in range(4)
    ]
    store(repo, *successes, *old_failures)
    newest_200 = repo.list_history(OWNER, 200)
    assert not [job for job in newest_200 if job.status == TaskStatus.FAILED]

    found = recent_failures(repo, OWNER, now=NOW, hours=24, limit=10)

    assert ids(found.jobs) == ids(old_failures)
    assert found.entities_read == 4
