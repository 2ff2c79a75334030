"""Recent failures, ours (RowKey window) vs the original design (newest 200, filter in memory).

Both run against a real Azurite loaded with rows built exactly as the product writes them
(job_to_entity(JobState(...)), task ids from new_task_id), for one owner.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from bench.percentiles import summary_ms
from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.entity import job_from_entity, job_to_entity
from provisioning.jobs.recent_failures import RecentFailures, recent_failures
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import (
    ClassifiedError,
    ErrorAction,
    ErrorCategory,
    ProvisionRequest,
    TaskStatus,
)
from provisioning.portal_links import portal_url_for

if TYPE_CHECKING:
    from azure.data.tables import TableClient

logger = logging.getLogger(__name__)

SIZES = (1_000, 10_000, 50_000)
CLUSTERED_SIZE = 10_000
SPREAD_DAYS = 30
FAILED_FRACTION = 0.01
# Cancelled before ARM saw a cluster: not reportable, but our filter still reads them.
CANCELLED_EARLY_FRACTION = 0.005
CLUSTER_DAYS_BACK = 21
ORIGINAL_SCAN_ROWS = 200
BATCH_SIZE = 100
LOAD_THREADS = 4
QUERIES = ((24, 10), (24, 1), (168, 10), (168, 1))
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
QUOTA_MESSAGE = (
    "Operation could not be completed as it results in exceeding approved Total Regional Cores "
    "quota. Additional details - Deployment Model: Resource Manager, Location: eastus, Current "
    "Limit: 10, Current Usage: 8, Additional Required: 6, (Minimum) New Limit Required: 14."
)


@dataclass(frozen=True)
class Dataset:
    """One owner's attempts as loaded into one table, with the rows kept for ground truth."""

    name: str
    table_name: str
    owner_id: str
    now: datetime
    jobs: list[JobState]


def _request(index: int) -> ProvisionRequest:
    return ProvisionRequest(
        subscription_id=SUBSCRIPTION,
        resource_group=f"rg-team-{index % 7}",
        cluster_name=f"aks-{index:06d}",
        region="eastus",
        node_vm_size="Standard_D4s_v5",
        node_count=3,
        kubernetes_version="1.30.3",
    )


def _portal_url(request: ProvisionRequest) -> str:
    resource_id = (
        f"/subscriptions/{request.subscription_id}/resourceGroups/{request.resource_group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{request.cluster_name}"
    )
    return portal_url_for(resource_id)


def _job(
    owner_id: str, created_at: datetime, index: int, outcome: str, rng: random.Random
) -> JobState:
    """A finished attempt as the product leaves it: succeeded, failed, dismissed or cancelled."""
    request = _request(index)
    task_id = new_task_id(created_at, uuid.UUID(int=rng.getrandbits(128)).hex)
    job = JobState.new(owner_id, task_id, request, now=created_at, total_steps=4)
    finished = created_at + timedelta(minutes=7)
    portal = _portal_url(request)
    common: dict[str, Any] = {"updated_at": finished, "step_index": 4, "portal_url": portal}
    if outcome == "succeeded":
        return replace(
            job,
            status=TaskStatus.SUCCEEDED,
            step="done",
            cluster_state="Succeeded",
            cluster_seen=True,
            **common,
        )
    if outcome == "cancelled_early":
        return replace(
            job,
            status=TaskStatus.CANCELLED,
            step="cancelled",
            updated_at=finished,
            error=ClassifiedError("Cancelled", ErrorCategory.CANCELLED, "Cancelled.", True),
        )
    if outcome == "cancelled_with_cluster":
        return replace(
            job,
            status=TaskStatus.CANCELLED,
            step="cancelled",
            cluster_state="Creating",
            cluster_seen=True,
            error=ClassifiedError(
                "Cancelled",
                ErrorCategory.CANCELLED,
                "Cancelled after the cluster existed.",
                True,
                (
                    ErrorAction("portal", "Open cluster in Azure portal", portal),
                    ErrorAction("delete_cluster", "Delete partial cluster"),
                ),
            ),
            **common,
        )
    error = ClassifiedError(
        "QuotaExceeded",
        ErrorCategory.QUOTA,
        QUOTA_MESSAGE,
        False,
        (ErrorAction("link", "Request quota increase", "https://portal.azure.com/#quota"),),
    )
    failed = replace(job, status=TaskStatus.FAILED, step="failed", error=error, **common)
    if outcome == "failed_dismissed":
        return replace(failed, dismissed_at=finished + timedelta(minutes=1))
    return failed


def build_jobs(
    owner_id: str, count: int, now: datetime, *, clustered_days_back: int | None, seed: int
) -> list[JobState]:
    """`count` attempts over SPREAD_DAYS; 1% fail (optionally all near one day in the past)."""
    rng = random.Random(seed)
    span = timedelta(days=SPREAD_DAYS).total_seconds()
    ages = sorted(rng.uniform(1.0, span) for _ in range(count))
    if clustered_days_back is None:
        candidates = list(range(count))
    else:
        centre = timedelta(days=clustered_days_back).total_seconds()
        candidates = [i for i, age in enumerate(ages) if abs(age - centre) <= 12 * 3600]
    failures = rng.sample(candidates, min(len(candidates), round(count * FAILED_FRACTION)))
    remaining = sorted(set(range(count)) - set(failures))
    early = set(rng.sample(remaining, round(count * CANCELLED_EARLY_FRACTION)))
    outcomes: dict[int, str] = {}
    for position, index in enumerate(sorted(failures)):
        # Of the failures: 1 in 10 cancelled after ARM saw the cluster, 1 in 10 dismissed.
        kind = position % 10
        outcomes[index] = (
            "cancelled_with_cluster" if kind == 0 else "failed_dismissed" if kind == 1 else "failed"
        )
    jobs = []
    for index, age in enumerate(ages):
        outcome = outcomes.get(index, "cancelled_early" if index in early else "succeeded")
        jobs.append(_job(owner_id, now - timedelta(seconds=age), index, outcome, rng))
    return jobs


def _batches(entities: Sequence[dict[str, Any]]) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    for start in range(0, len(entities), BATCH_SIZE):
        yield [("create", entity) for entity in entities[start : start + BATCH_SIZE]]


def load(table: TableClient, jobs: Sequence[JobState]) -> float:
    """Insert the rows in ≤100-entity transactions (one partition); returns rows per second."""
    entities = [job_to_entity(job) for job in jobs]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        for _ in pool.map(table.submit_transaction, _batches(entities)):
            pass
    return len(entities) / (time.perf_counter() - started)


def original_recent_failures(
    table: TableClient, owner_id: str, *, now: datetime, hours: int, limit: int
) -> RecentFailures:
    """The original design: the owner's newest 200 rows, filtered in memory.

    Given the same reportable/unresolved rule as ours, so every miss is the 200-row cap's.
    """
    pages = table.query_entities(
        "PartitionKey eq @pk", parameters={"pk": owner_id}, results_per_page=ORIGINAL_SCAN_ROWS
    ).by_page()
    rows = list(next(pages, []))[:ORIGINAL_SCAN_ROWS]
    oldest = now - timedelta(hours=hours)
    found = []
    for entity in rows:
        job = job_from_entity(entity)
        fresh = oldest <= job.created_at <= now
        if fresh and job.is_reportable_failure and not job.is_resolved:
            found.append(job)
    return RecentFailures(jobs=found[: max(1, limit)], entities_read=len(rows))


def ground_truth(jobs: Sequence[JobState], *, now: datetime, hours: int, limit: int) -> list[str]:
    """Task ids every correct answer returns: unresolved reportable failures in the window."""
    oldest = now - timedelta(hours=hours)
    wanted = sorted(
        job.task_id
        for job in jobs
        if oldest <= job.created_at <= now and job.is_reportable_failure and not job.is_resolved
    )
    return wanted[: max(1, limit)]


def window_rows(jobs: Sequence[JobState], *, now: datetime, hours: int) -> int:
    """How many of the owner's rows fall in the window (ours reads at most this)."""
    oldest = now - timedelta(hours=hours)
    return sum(1 for job in jobs if oldest <= job.created_at <= now)


Query = Callable[..., RecentFailures]


def measure(
    repo: JobStateRepository, dataset: Dataset, hours: int, limit: int, repetitions: int
) -> dict[str, Any]:
    """Both implementations, interleaved so noise hits both: reads, latency, misses."""
    implementations: dict[str, Query] = {
        "ours": partial(recent_failures, repo),
        "original": partial(original_recent_failures, repo.table_client),
    }
    truth = ground_truth(dataset.jobs, now=dataset.now, hours=hours, limit=limit)
    timings: dict[str, list[float]] = {name: [] for name in implementations}
    answers: dict[str, RecentFailures] = {}
    for repetition in range(repetitions + 1):
        for name, query in implementations.items():
            started = time.perf_counter()
            answer = query(dataset.owner_id, now=dataset.now, hours=hours, limit=limit)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if repetition > 0:  # the first round warms the connection
                timings[name].append(elapsed_ms)
            answers[name] = answer
    result: dict[str, Any] = {
        "hours": hours,
        "limit": limit,
        "truth": len(truth),
        "window_rows": window_rows(dataset.jobs, now=dataset.now, hours=hours),
    }
    for name, answer in answers.items():
        returned = {job.task_id for job in answer.jobs}
        result[name] = {
            "entities_read": answer.entities_read,
            "returned": len(answer.jobs),
            "missed": len(set(truth) - returned),
            "wrong": len(returned - set(truth)),
            **summary_ms(timings[name]),
        }
    result["entities_ratio"] = round(
        result["original"]["entities_read"] / max(1, result["ours"]["entities_read"]), 2
    )
    return result


def run(
    connection_string: str, repetitions: int = 7, sizes: Sequence[int] = SIZES
) -> dict[str, Any]:
    """Load every dataset, measure every (hours, limit), return the figures for results.json."""
    now = datetime.now(UTC).replace(microsecond=0)
    variants: list[tuple[str, int, int | None]] = [(f"spread_{size}", size, None) for size in sizes]
    variants.append((f"clustered_{CLUSTERED_SIZE}", CLUSTERED_SIZE, CLUSTER_DAYS_BACK))
    datasets: dict[str, Any] = {}
    for seed, (name, size, clustered) in enumerate(variants):
        owner_id = f"bench-owner-{uuid.uuid4().hex[:12]}"
        table_name = f"BenchRecent{uuid.uuid4().hex[:10]}"
        jobs = build_jobs(owner_id, size, now, clustered_days_back=clustered, seed=seed)
        dataset = Dataset(name, table_name, owner_id, now, jobs)
        table = table_client_from_connection_string(
            connection_string, table_name, timeout_seconds=30
        )
        claims = table_client_from_connection_string(
            connection_string, claims_table_name(table_name), timeout_seconds=30
        )
        repo = JobStateRepository(table, claims)  # recent failures never touch the claims
        table.create_table()
        rate = load(table, jobs)
        logger.info("recent_failures: loaded %s (%d rows, %.0f rows/s)", name, size, rate)
        queries = []
        for hours, limit in QUERIES:
            figures = measure(repo, dataset, hours, limit, repetitions)
            queries.append(figures)
            logger.info(
                "recent_failures %-16s %3dh limit %-2d: read ours %4d original %3d (x%.1f), "
                "missed ours %d original %d, median ours %.1f ms original %.1f ms",
                name,
                hours,
                limit,
                figures["ours"]["entities_read"],
                figures["original"]["entities_read"],
                figures["entities_ratio"],
                figures["ours"]["missed"],
                figures["original"]["missed"],
                figures["ours"]["median_ms"],
                figures["original"]["median_ms"],
            )
        datasets[name] = {
            "rows": size,
            "failures_clustered_days_back": clustered,
            "load_rows_per_s": round(rate),
            "queries": queries,
        }
        table.delete_table()
        table.close()
        claims.close()
    return headline(datasets, repetitions)


def _default_query(dataset: dict[str, Any]) -> dict[str, Any]:
    """The API's default request: hours=24, limit=10."""
    return next(q for q in dataset["queries"] if (q["hours"], q["limit"]) == (24, 10))


def headline(datasets: dict[str, Any], repetitions: int) -> dict[str, Any]:
    """The keys the budgets check, plus everything measured."""
    all_queries = [q for d in datasets.values() for q in d["queries"]]
    spread_10k = datasets.get("spread_10000")
    figures: dict[str, Any] = {
        "repetitions": repetitions,
        "missed_ours": sum(q["ours"]["missed"] + q["ours"]["wrong"] for q in all_queries),
        "missed_original": sum(q["original"]["missed"] for q in all_queries),
        "ours_within_window_rows": all(
            q["ours"]["entities_read"] <= q["window_rows"] for q in all_queries
        ),
        "datasets": datasets,
    }
    if spread_10k is not None:
        default = _default_query(spread_10k)
        figures["entities_ratio_10k"] = default["entities_ratio"]
        figures["entities_ratio_10k_min"] = min(q["entities_ratio"] for q in spread_10k["queries"])
        figures["entities_read_10k"] = {
            "ours": default["ours"]["entities_read"],
            "original": default["original"]["entities_read"],
        }
        figures["latency_10k_ms"] = {
            "ours": default["ours"]["median_ms"],
            "original": default["original"]["median_ms"],
        }
    return figures
