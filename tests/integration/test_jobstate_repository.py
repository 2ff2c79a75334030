"""JobStateRepository against a real Azurite through the real azure-data-tables SDK."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provisioning.jobs.recent_failures import recent_failures
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import mark_running, record_outcome, record_progress
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable, table_client_from_connection_string
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ClassifiedError,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
    TaskType,
)

NOW = datetime.now(UTC).replace(microsecond=0)
JOIN_LIMIT_SECONDS = 120
QUOTA = ClassifiedError("QuotaExceeded", ErrorCategory.QUOTA, "quota", retryable=False)


def request_for(cluster: str = "demo", rg: str = "rg-one") -> ProvisionRequest:
    return ProvisionRequest("sub", rg, cluster, "eastus", "Standard_D2s_v3", 2, None)


def make_job(
    owner: str = "owner-1",
    *,
    created: datetime = NOW,
    status: TaskStatus = TaskStatus.QUEUED,
    cluster: str = "demo",
    rg: str = "rg-one",
    **changes: Any,
) -> JobState:
    job = JobState.new(
        owner,
        new_task_id(created, uuid.uuid4().hex),
        request_for(cluster, rg),
        now=created,
        total_steps=4,
    )
    return replace(job, status=status, **changes)


def claim_key(repo: JobStateRepository, owner: str, key: str, task_id: str) -> str:
    """The task id that holds `key` for `owner` once task_id tried to claim it."""
    return repo.claims.claim_idempotency(owner, key, task_id, None).task_id


def run_threads(targets: list[Callable[[], Any]]) -> list[Any]:
    """Run callables together from a common start line; return results or raised errors."""
    results: list[Any] = [None] * len(targets)
    start = threading.Barrier(len(targets))

    def runner(index: int, target: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - surfaced to the test as a value
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_LIMIT_SECONDS)
        assert not thread.is_alive(), "a storage call hung"
    return results


def test_inserted_job_reads_back_equal(repo: JobStateRepository) -> None:
    job = make_job()
    repo.insert_new(job)
    stored = repo.get(job.owner_id, job.task_id)
    assert stored == job
    assert stored is not None and stored.etag


def test_other_owner_cannot_read_the_job(repo: JobStateRepository) -> None:
    job = make_job()
    repo.insert_new(job)
    assert repo.get("someone-else", job.task_id) is None
    assert repo.get(job.owner_id, "not-a-task-id") is None


def test_repeated_insert_is_harmless(repo: JobStateRepository) -> None:
    job = make_job()
    repo.insert_new(job)
    repo.insert_new(job)
    assert repo.get(job.owner_id, job.task_id) == job


def test_upsert_missing_creates_only_when_absent(repo: JobStateRepository) -> None:
    job = make_job()
    assert repo.upsert_missing(job) == job
    running = repo.update(job.owner_id, job.task_id, lambda j: mark_running(j, now=NOW))
    assert running is not None and running.status == TaskStatus.RUNNING
    assert repo.upsert_missing(job).status == TaskStatus.RUNNING
    stored = repo.get(job.owner_id, job.task_id)
    assert stored is not None and stored.status == TaskStatus.RUNNING


def test_update_of_missing_row_returns_none(repo: JobStateRepository) -> None:
    job = make_job()
    assert repo.update(job.owner_id, job.task_id, lambda j: mark_running(j, now=NOW)) is None


def test_update_retries_after_an_etag_conflict(repo: JobStateRepository) -> None:
    job = make_job(status=TaskStatus.RUNNING)
    repo.insert_new(job)
    calls: list[int] = []

    def mutate(current: JobState) -> JobState | None:
        calls.append(current.step_index)
        if len(calls) == 1:  # a concurrent writer lands between our read and our write
            repo.update(
                job.owner_id, job.task_id, lambda j: record_progress(j, now=NOW, cluster_seen=True)
            )
        return record_progress(current, now=NOW, step_index=current.step_index + 1)

    result = repo.update(job.owner_id, job.task_id, mutate)
    assert len(calls) == 2
    assert result is not None and result.step_index == 1 and result.cluster_seen is True
    assert repo.get(job.owner_id, job.task_id) == result


def test_late_progress_after_cancel_changes_nothing(repo: JobStateRepository) -> None:
    job = make_job(status=TaskStatus.RUNNING)
    repo.insert_new(job)
    cancelled = repo.update(
        job.owner_id,
        job.task_id,
        lambda j: record_outcome(j, TaskStatus.CANCELLED, None, now=NOW, cluster_seen=True),
    )
    late = repo.update(
        job.owner_id, job.task_id, lambda j: record_progress(j, now=NOW, step="poll", step_index=3)
    )
    assert cancelled is not None and late == cancelled
    stored = repo.get(job.owner_id, job.task_id)
    assert stored is not None and stored.status == TaskStatus.CANCELLED and stored.step_index == 0


def test_cancel_racing_progress_updates_stays_cancelled(repo: JobStateRepository) -> None:
    for _round in range(3):
        job = make_job(status=TaskStatus.RUNNING)
        repo.insert_new(job)

        def slow_progress(current: JobState, index: int) -> JobState | None:
            time.sleep(0.02)  # widen the read-to-write window so the race really happens
            return record_progress(current, now=NOW, step=f"poll-{index}", step_index=index)

        def progress(index: int, job: JobState = job) -> JobState | None:
            return repo.update(job.owner_id, job.task_id, lambda j: slow_progress(j, index))

        def cancel(job: JobState = job) -> JobState | None:
            return repo.update(
                job.owner_id,
                job.task_id,
                lambda j: record_outcome(j, TaskStatus.CANCELLED, None, now=NOW),
            )

        targets: list[Callable[[], Any]] = [cancel]
        targets += [lambda i=i: progress(i) for i in range(1, 6)]
        results = run_threads(targets)
        assert not [r for r in results if isinstance(r, Exception)]
        cancelled = results[0]
        stored = repo.get(job.owner_id, job.task_id)
        assert stored is not None and stored.status == TaskStatus.CANCELLED
        # Nothing written after the cancel: the row is exactly what the cancel stored.
        assert stored == cancelled


def test_first_terminal_outcome_wins_under_a_race(repo: JobStateRepository) -> None:
    job = make_job(status=TaskStatus.RUNNING)
    repo.insert_new(job)
    outcomes = [TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED]
    results = run_threads(
        [
            lambda s=s: repo.update(
                job.owner_id, job.task_id, lambda j: record_outcome(j, s, None, now=NOW)
            )
            for s in outcomes
        ]
    )
    final = {r.status for r in results}
    assert len(final) == 1 and final.pop().is_terminal


def test_dismiss_and_resolve_persist(repo: JobStateRepository) -> None:
    job = make_job(status=TaskStatus.FAILED, error=QUOTA)
    repo.insert_new(job)
    dismissed = repo.dismiss(job.owner_id, job.task_id, NOW)
    assert dismissed is not None and dismissed.dismissed_at == NOW
    repo.dismiss(job.owner_id, job.task_id, NOW + timedelta(hours=1))
    repo.resolve(job.owner_id, job.task_id, "later")
    stored = repo.get(job.owner_id, job.task_id)
    assert stored is not None
    assert stored.dismissed_at == NOW and stored.resolved_by == "later"
    assert stored.status == TaskStatus.FAILED and stored.error == QUOTA


def test_resolve_earlier_failures_matches_names_case_insensitively(
    repo: JobStateRepository,
) -> None:
    base = NOW - timedelta(hours=5)
    same = make_job(created=base, status=TaskStatus.FAILED, cluster="Demo", rg="RG-One")
    cancelled_seen = make_job(
        created=base + timedelta(minutes=1), status=TaskStatus.CANCELLED, cluster_seen=True
    )
    cancelled_unseen = make_job(created=base + timedelta(minutes=2), status=TaskStatus.CANCELLED)
    other_cluster = make_job(
        created=base + timedelta(minutes=3), status=TaskStatus.FAILED, cluster="other"
    )
    already = make_job(
        created=base + timedelta(minutes=4), status=TaskStatus.FAILED, resolved_by="earlier"
    )
    success = make_job(created=base + timedelta(minutes=10), status=TaskStatus.SUCCEEDED)
    newer = make_job(created=base + timedelta(minutes=20), status=TaskStatus.FAILED)
    other_owner = make_job("owner-2", created=base, status=TaskStatus.FAILED)
    for job in (
        same,
        cancelled_seen,
        cancelled_unseen,
        other_cluster,
        already,
        success,
        newer,
        other_owner,
    ):
        repo.insert_new(job)

    resolved = repo.resolve_earlier_failures(
        "owner-1", "rg-one", "DEMO", success.task_id, before_task_id=success.task_id
    )

    assert set(resolved) == {same.task_id, cancelled_seen.task_id}

    def resolved_by(job: JobState) -> str | None:
        stored = repo.get(job.owner_id, job.task_id)
        assert stored is not None
        return stored.resolved_by

    assert resolved_by(same) == success.task_id
    assert resolved_by(cancelled_seen) == success.task_id
    assert resolved_by(already) == "earlier"
    assert resolved_by(newer) is None
    assert resolved_by(other_cluster) is None
    assert resolved_by(other_owner) is None


def test_history_is_newest_first_and_limited(repo: JobStateRepository) -> None:
    jobs = [make_job(created=NOW - timedelta(minutes=i)) for i in range(5)]
    jobs.append(
        make_job(created=NOW - timedelta(minutes=9), type=TaskType.AKS_DELETE, target_task_id="t")
    )
    for job in reversed(jobs):
        repo.insert_new(job)
    repo.insert_new(make_job("owner-2"))

    assert [j.task_id for j in repo.list_history("owner-1", 3)] == [j.task_id for j in jobs[:3]]
    history = repo.list_history("owner-1", 20)
    assert [j.task_id for j in history] == [j.task_id for j in jobs]
    assert history[-1].type == TaskType.AKS_DELETE


def test_idempotency_key_race_yields_one_task(repo: JobStateRepository) -> None:
    candidates = [new_task_id(NOW, uuid.uuid4().hex) for _ in range(6)]
    results = run_threads(
        [lambda t=t: claim_key(repo, "owner-1", "key/with#odd?chars", t) for t in candidates]
    )
    assert len(set(results)) == 1 and results[0] in candidates
    assert claim_key(repo, "owner-1", "key/with#odd?chars", "late") == results[0]
    assert claim_key(repo, "owner-2", "key/with#odd?chars", "mine") == "mine"


def test_active_slot_race_yields_one_attempt(repo: JobStateRepository) -> None:
    candidates = [new_task_id(NOW, uuid.uuid4().hex) for _ in range(6)]
    results = run_threads(
        [
            lambda t=t, i=i: repo.claims.claim_active_slot(
                "owner-1", "rg-one" if i % 2 else "RG-ONE", "demo", t
            )
            for i, t in enumerate(candidates)
        ]
    )
    winners = [t for t, r in zip(candidates, results, strict=True) if r is None]
    assert len(winners) == 1
    assert all(r == winners[0] for r in results if r is not None)


def test_active_slot_is_busy_while_holder_runs_and_free_once_it_ends(
    repo: JobStateRepository,
) -> None:
    holder = make_job(status=TaskStatus.RUNNING)
    repo.insert_new(holder)
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "demo", holder.task_id) is None
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "demo", holder.task_id) is None
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "demo", "next") == holder.task_id
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "another", "next") is None
    repo.update(
        holder.owner_id,
        holder.task_id,
        lambda j: record_outcome(j, TaskStatus.FAILED, QUOTA, now=NOW),
    )
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "demo", "next") is None
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "demo", "third") == "next"


def test_active_slot_of_a_never_written_holder_frees_after_grace(
    repo: JobStateRepository,
) -> None:
    ghost = new_task_id(NOW, uuid.uuid4().hex)
    assert repo.claims.claim_active_slot("owner-1", "rg", "demo", ghost, now=NOW) is None
    assert repo.claims.claim_active_slot("owner-1", "rg", "demo", "b", now=NOW) == ghost
    later = NOW + timedelta(hours=1)
    assert repo.claims.claim_active_slot("owner-1", "rg", "demo", "b", now=later) is None


ODD_OWNERS = [
    "o'wner",
    "x' or PartitionKey ne 'y",
    "a or b",
    "PartitionKey",
    "@pk",
    "owner-1' or '1' eq '1",
    "name with  two spaces",
]


@pytest.mark.parametrize("owner", ODD_OWNERS)
def test_odd_owner_ids_only_ever_see_their_own_rows(repo: JobStateRepository, owner: str) -> None:
    victim = make_job("owner-1", status=TaskStatus.FAILED, error=QUOTA)
    victim_active = make_job("owner-1", status=TaskStatus.RUNNING, cluster="busy")
    mine = make_job(owner, status=TaskStatus.FAILED, error=QUOTA)
    for job in (victim, victim_active, mine):
        repo.insert_new(job)

    assert [j.task_id for j in repo.list_history(owner, 20)] == [mine.task_id]
    found = recent_failures(repo, owner, now=NOW + timedelta(seconds=1), hours=24, limit=10)
    assert [j.task_id for j in found.jobs] == [mine.task_id]
    assert repo.claims.claim_active_slot("owner-1", "rg-one", "busy", victim_active.task_id) is None
    assert repo.claims.claim_active_slot(owner, "rg-one", "busy", "t-mine") is None
    stored = repo.get(owner, mine.task_id)
    assert stored is not None and stored.owner_id == owner
    assert repo.dismiss(owner, mine.task_id, NOW) is not None
    assert repo.get("owner-1", victim.task_id) == victim
    assert claim_key(repo, owner, "k", "t1") == "t1"
    assert claim_key(repo, "owner-1", "k", "t2") == "t2"


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung store)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield int(server.getsockname()[1])


def test_hung_storage_raises_storage_unavailable(silent_listener: int) -> None:
    connection_string = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
        "K1SZFPTOtr/KBHBeksoGMGw==;"
        f"TableEndpoint=http://127.0.0.1:{silent_listener}/devstoreaccount1;"
    )
    table = table_client_from_connection_string(connection_string, "Hung", timeout_seconds=0.5)
    claims = table_client_from_connection_string(connection_string, "HungC", timeout_seconds=0.5)
    repository = JobStateRepository(table, claims)
    job = make_job()
    calls: list[Callable[[], Any]] = [
        lambda: repository.get(job.owner_id, job.task_id),
        lambda: repository.insert_new(job),
        lambda: repository.list_history(job.owner_id, 5),
        lambda: recent_failures(repository, job.owner_id, now=NOW, hours=24, limit=10),
    ]
    for call in calls:
        [outcome] = run_threads([call])
        assert isinstance(outcome, StorageUnavailable), outcome


def test_app_repository_factory_creates_tables_once_and_caches(
    azurite: str, unique_table_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provisioning import clients
    from provisioning.settings import get_settings

    monkeypatch.setenv("AzureWebJobsStorage", azurite)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "sub")
    monkeypatch.setenv("JOBSTATE_TABLE_NAME", unique_table_name)
    get_settings.cache_clear()
    clients.reset_clients()
    try:
        repository = clients.jobstate_repository()
        assert clients.jobstate_repository() is repository
        job = make_job()
        repository.insert_new(job)
        assert repository.get(job.owner_id, job.task_id) == job
        assert claim_key(repository, "owner-1", "k", job.task_id) == job.task_id
        clients.reset_clients()
        again = clients.jobstate_repository()  # tables already exist: tolerated
        assert again is not repository and again.get(job.owner_id, job.task_id) == job
        again.table_client.delete_table()
        again.claims.table_client.delete_table()
    finally:
        clients.reset_clients()
        get_settings.cache_clear()
