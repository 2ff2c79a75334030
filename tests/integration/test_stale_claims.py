"""No claim outlives its workflow: holders judged against real Azurite rows and claims.

The workflow engine is asked through `WorkflowCheck.runtime_status`; here it is a table of
what the engine would say (the e2e kill-during-accept test asks the real one).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.clusters.inventory import ClusterView
from provisioning.fleet.listing import active_operations, cluster_operations
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ProvisionRequest, TaskStatus, TaskType
from provisioning.operations.stale_claims import (
    WorkflowCheck,
    stale_holder_check,
    still_active,
)

NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = timedelta(seconds=25)
OWNER = "owner-stale"


class Engine(dict[str, str]):
    """What the workflow engine says per task id (absent: no such instance)."""

    unreachable = False

    def runtime_status(self, task_id: str) -> str | None:
        if self.unreachable:
            raise TimeoutError("engine did not answer")
        return self.get(task_id)

    def check(self) -> WorkflowCheck:
        return WorkflowCheck(self.runtime_status, WINDOW)


def _job(
    *, created: datetime = NOW, status: TaskStatus = TaskStatus.QUEUED, cluster: str = "demo"
) -> JobState:
    request = ProvisionRequest("sub", "rg-one", cluster, "eastus", "Standard_D2s_v3", 1, None)
    job = JobState.new(
        OWNER,
        new_task_id(created, uuid.uuid4().hex),
        request,
        now=created,
        task_type=TaskType.AKS_STOP,
        total_steps=4,
    )
    return replace(job, status=status)


def _claim(repo: JobStateRepository, engine: Engine, task_id: str, at: datetime) -> str | None:
    gone = stale_holder_check(repo, OWNER, engine.check(), now=at)
    return repo.claims.claim_active_slot(OWNER, "rg-one", "demo", task_id, now=at, holder_gone=gone)


@pytest.fixture
def engine() -> Engine:
    return Engine()


def test_a_queued_holder_without_a_workflow_is_failed_and_its_claim_taken_after_the_window(
    repo: JobStateRepository, engine: Engine
) -> None:
    lost = _job()
    repo.insert_new(lost)
    assert _claim(repo, engine, lost.task_id, NOW) is None

    within = NOW + WINDOW - timedelta(seconds=1)
    assert _claim(repo, engine, "next-1", within) == lost.task_id  # its accept may still run
    after = NOW + WINDOW + timedelta(seconds=1)
    assert _claim(repo, engine, "next-2", after) is None  # taken in the same request

    recorded = repo.get(OWNER, lost.task_id)
    assert recorded is not None and recorded.status == TaskStatus.FAILED
    assert recorded.error is not None and recorded.error.code == "OrchestrationLost"


def test_a_claim_with_no_row_and_no_workflow_is_taken_after_the_window_not_two_minutes(
    repo: JobStateRepository, engine: Engine
) -> None:
    ghost = new_task_id(NOW, uuid.uuid4().hex)
    assert _claim(repo, engine, ghost, NOW) is None

    assert _claim(repo, engine, "next-1", NOW + timedelta(seconds=5)) == ghost
    assert _claim(repo, engine, "next-2", NOW + WINDOW + timedelta(seconds=1)) is None
    assert repo.get(OWNER, ghost) is None  # nothing invented for a task that never existed


def test_a_holder_whose_workflow_runs_keeps_its_claim_however_old(
    repo: JobStateRepository, engine: Engine
) -> None:
    running = _job(status=TaskStatus.RUNNING)
    repo.insert_new(running)
    engine[running.task_id] = "Running"
    assert _claim(repo, engine, running.task_id, NOW) is None

    assert _claim(repo, engine, "next", NOW + timedelta(hours=3)) == running.task_id
    stored = repo.get(OWNER, running.task_id)
    assert stored is not None and stored.status == TaskStatus.RUNNING


def test_a_claim_with_no_row_yet_but_a_workflow_is_kept(
    repo: JobStateRepository, engine: Engine
) -> None:
    # The accept-time insert was lost; the orchestration's first step writes the row.
    early = new_task_id(NOW, uuid.uuid4().hex)
    engine[early] = "Pending"
    assert _claim(repo, engine, early, NOW) is None

    assert _claim(repo, engine, "next", NOW + timedelta(minutes=1)) == early


def test_when_the_engine_cannot_say_the_holder_counts_as_active(
    repo: JobStateRepository, engine: Engine
) -> None:
    holder = _job()
    repo.insert_new(holder)
    assert _claim(repo, engine, holder.task_id, NOW) is None
    engine.unreachable = True

    assert _claim(repo, engine, "next", NOW + timedelta(hours=1)) == holder.task_id
    stored = repo.get(OWNER, holder.task_id)
    assert stored is not None and stored.status == TaskStatus.QUEUED


def test_a_holder_whose_orchestration_ended_without_an_outcome_is_failed(
    repo: JobStateRepository, engine: Engine
) -> None:
    terminated = _job(status=TaskStatus.RUNNING)
    repo.insert_new(terminated)
    engine[terminated.task_id] = "Terminated"
    assert _claim(repo, engine, terminated.task_id, NOW) is None

    assert _claim(repo, engine, "next", NOW + timedelta(minutes=1)) is None
    stored = repo.get(OWNER, terminated.task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED


def _view(name: str) -> ClusterView:
    return ClusterView(
        id=f"/subscriptions/sub/resourceGroups/rg-one/providers/x/managedClusters/{name}",
        name=name,
        resource_group="rg-one",
        region="eastus",
        provisioning_state="Stopping",
        power_state="Running",
        kubernetes_version="1.32.6",
        node_pools=(),
        fqdn=None,
        etag=None,
    )


def test_the_list_finds_the_claim_holder_behind_sixty_newer_tasks(
    repo: JobStateRepository, engine: Engine
) -> None:
    old = _job(created=NOW - timedelta(hours=1))
    repo.insert_new(old)
    engine[old.task_id] = "Running"
    gone = stale_holder_check(repo, OWNER, engine.check(), now=NOW)
    claim = repo.claims.claim_active_slot(
        OWNER, "rg-one", "demo", old.task_id, now=old.created_at, holder_gone=gone
    )
    assert claim is None
    for index in range(60):  # newer history for other clusters, all finished
        repo.insert_new(_job(cluster=f"other-{index}", status=TaskStatus.SUCCEEDED))

    operations = cluster_operations(repo, OWNER, [_view("demo")], engine.check(), now=NOW)

    assert operations[("rg-one", "demo")]["task_id"] == old.task_id
    assert operations[("rg-one", "demo")]["status"] == "queued"


def test_the_list_records_an_operation_whose_workflow_is_gone_instead_of_showing_it(
    repo: JobStateRepository, engine: Engine
) -> None:
    lost = _job(created=NOW - timedelta(minutes=5))
    repo.insert_new(lost)
    repo.claims.claim_active_slot(OWNER, "rg-one", "demo", lost.task_id, now=lost.created_at)

    operations = cluster_operations(repo, OWNER, [_view("demo")], engine.check(), now=NOW)

    assert operations == {}
    stored = repo.get(OWNER, lost.task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED
    assert still_active(repo, stored, engine.check(), now=NOW).status == TaskStatus.FAILED


def test_without_a_claim_the_newest_active_task_of_the_cluster_is_shown(
    repo: JobStateRepository,
) -> None:
    # A create accepted while storage was down holds no claim, yet it is running.
    unclaimed = _job(status=TaskStatus.RUNNING)
    repo.insert_new(unclaimed)

    found = active_operations([_view("demo")], {}, repo.active_jobs(OWNER))

    assert found[("rg-one", "demo")].task_id == unclaimed.task_id
