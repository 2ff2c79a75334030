"""50 concurrent provisions through the real function app on the local host.

Users act through the API with the platform's principal header, as in Azure. The engine's
per-episode replay times come from the host's read-only diagnostics route.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import requests

from bench.local_stack import FunctionHost
from bench.percentiles import summary_ms
from provisioning.access.identity import encode_easyauth_principal

logger = logging.getLogger(__name__)

PROVISIONS = 50
USERS = 5
TERMINAL = {"succeeded", "failed", "cancelled"}
LIST_POLL_SECONDS = 0.5
EPISODES_ROUTE = "/durabletask/_diagnostics/episodes"


def user_session(owner_id: str) -> requests.Session:
    """An API client signed in as `owner_id` (App Service Authentication's header)."""
    session = requests.Session()
    session.headers["X-MS-CLIENT-PRINCIPAL"] = encode_easyauth_principal(owner_id, owner_id)
    return session


def _provision(host: FunctionHost, session: requests.Session, cluster_name: str) -> str:
    body = {"cluster_name": cluster_name, "resource_group": "rg-bench", "region": "eastus"}
    response = session.post(f"{host.base_url}/api/aks/provision", json=body, timeout=60)
    if response.status_code != 202:
        raise RuntimeError(f"provision {cluster_name}: {response.status_code} {response.text}")
    return str(response.json()["task_id"])


def _episodes(host: FunctionHost) -> list[float]:
    response = requests.get(host.rpc_url + EPISODES_ROUTE, timeout=30)
    response.raise_for_status()
    return [float(value) for value in response.json()["episode_durations_ms"]]


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def solo_attempt_ms(host: FunctionHost, timeout_s: float = 60) -> float:
    """One provision alone on the idle host: the baseline the concurrent run is compared to."""
    session = user_session(f"bench-solo-{uuid.uuid4().hex[:8]}")
    task_id = _provision(host, session, f"bench-solo-{uuid.uuid4().hex[:8]}")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(LIST_POLL_SECONDS)
        response = session.get(f"{host.base_url}/api/tasks/{task_id}", timeout=30)
        response.raise_for_status()
        doc = response.json()
        if doc["status"] in TERMINAL:
            return _seconds_between(doc["created_at"], doc["updated_at"]) * 1000
    return float("nan")


def run(host: FunctionHost, provisions: int = PROVISIONS, timeout_s: float = 240) -> dict[str, Any]:
    """Start every provision at once, wait for all to finish, report throughput and overhead."""
    solo_ms = solo_attempt_ms(host)
    owners = [f"bench-user{n}-{uuid.uuid4().hex[:8]}" for n in range(USERS)]
    sessions = {owner: user_session(owner) for owner in owners}
    episodes_before = len(_episodes(host))
    work = [(owners[i % USERS], f"bench-{i:02d}-{uuid.uuid4().hex[:8]}") for i in range(provisions)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=provisions) as pool:
        task_ids = list(pool.map(lambda w: (w[0], _provision(host, sessions[w[0]], w[1])), work))
    accepted_s = time.perf_counter() - started
    pending = {task_id: owner for owner, task_id in task_ids}
    documents: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        time.sleep(LIST_POLL_SECONDS)
        for owner in owners:
            response = sessions[owner].get(
                f"{host.base_url}/api/aks/provisions", params={"limit": 20}, timeout=60
            )
            response.raise_for_status()
            for job in response.json()["jobs"]:
                if job["task_id"] in pending and job["status"] in TERMINAL:
                    documents[job["task_id"]] = job
                    del pending[job["task_id"]]
    wall_s = time.perf_counter() - started
    episodes = _episodes(host)[episodes_before:]
    statuses = [doc["status"] for doc in documents.values()]
    durations_ms = [
        _seconds_between(doc["created_at"], doc["updated_at"]) * 1000 for doc in documents.values()
    ]
    overhead_ms = [d - host.arm_create_seconds * 1000 for d in durations_ms]
    if documents:
        first = min(doc["created_at"] for doc in documents.values())
        last = max(doc["updated_at"] for doc in documents.values())
        span_s = _seconds_between(first, last)
    else:
        span_s = float("nan")
    episode_summary = summary_ms(episodes)
    figures: dict[str, Any] = {
        "provisions": provisions,
        "users": USERS,
        "arm_create_seconds": host.arm_create_seconds,
        "poll_seconds": host.poll_seconds,
        "completed": sum(1 for status in statuses if status == "succeeded"),
        "finished": len(documents),
        "unfinished": len(pending),
        "statuses": {status: statuses.count(status) for status in sorted(set(statuses))},
        "accept_all_s": round(accepted_s, 3),
        "wall_s": round(wall_s, 3),
        "span_s": round(span_s, 3),
        "throughput_per_s": round(len(documents) / span_s, 3) if documents else 0.0,
        "solo_attempt_ms": round(solo_ms, 1),
        "attempt_duration": summary_ms(durations_ms),
        "attempt_overhead_beyond_arm": summary_ms(overhead_ms),
        "episodes": len(episodes),
        "episode_p50_ms": episode_summary["median_ms"],
        "episode_p95_ms": episode_summary["p95_ms"],
        "episode_max_ms": round(max(episodes), 3) if episodes else float("nan"),
    }
    logger.info(
        "local_host: %d/%d succeeded (%s) in %.1f s: %.2f provisions/s; attempt p50 %.0f ms "
        "p95 %.0f ms (alone %.0f ms, ARM create %d s); %d episodes, replay p50 %.2f ms p95 %.2f ms",
        figures["completed"],
        provisions,
        figures["statuses"],
        span_s,
        figures["throughput_per_s"],
        figures["attempt_duration"]["median_ms"],
        figures["attempt_duration"]["p95_ms"],
        solo_ms,
        host.arm_create_seconds,
        len(episodes),
        figures["episode_p50_ms"],
        figures["episode_p95_ms"],
    )
    return figures
