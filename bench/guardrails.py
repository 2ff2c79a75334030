"""Cost guardrails at scale: 1,000 guarded clusters on the local host with 1-second minutes.

Time is scaled honestly, by one factor: a guardrail minute lasts 1 s instead of 60 s, and for
the simulated hour the check interval shrinks by the same factor, from Azure's 300 s to 5 s.
One simulated hour is therefore what an hour is in Azure: 12 checks per guarded cluster
(12,000 for 1,000). The host runs them as fast as it can; checks per second is the count
over the wall time, and a cap ends the run if the hour would take too long (the share done
is reported). Schedule edges use the real clock (as in Azure).

Phases, on one Azurite, one ARM simulator and one task hub:
1. seed 1,000 `busy-` clusters straight into the simulator (tagged for the bench user) and
   set an idle rule on each through PUT .../guardrails (busy CPU: none ever stops), with
   Azure's 300-second checks;
2. a schedule edge at that load (what 1,000 guarded clusters put on Azure): 200 of them get
   working hours whose stop edge is the same minute (everyone's day ends at 19:00) while the
   other 800 keep checking; the lag is each aks_stop task's accept time minus the edge; then
   those 200 guards are removed, so each check of the hour (800 guards) is an idle check;
3. the host is stopped and started again with 5-second checks (every guard resumes from
   storage) and takes the new interval from its next check on (within Azure's 300 s: no
   wake-up event is sent, since a thousand of them queue behind the checks), and the
   simulated hour runs: node-CPU metrics reads (one per idle
   check of a running cluster) and every ARM read are counted at the simulator, and the
   host's memory (RSS) is read before and after.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import requests

from bench import local_stack
from bench.local_host import user_session
from bench.local_stack import SIMULATOR_SUBSCRIPTION_ID, FunctionHost
from bench.percentiles import summary_ms

logger = logging.getLogger(__name__)

CLUSTERS = int(os.environ.get("BENCH_GUARDED_CLUSTERS", "1000"))
PUT_WORKERS = 4
PUT_ATTEMPTS = 6  # a 503 (the engine did not answer in time) is retried, as a client would
EDGE_CLUSTERS = max(1, CLUSTERS // 5)
MINUTE_SECONDS = 1
CHECK_SECONDS = 5  # Azure's 300 s, scaled like the minute (60 s -> 1 s)
AZURE_CHECK_SECONDS = 300
CHECKS_PER_HOUR = 3600 // AZURE_CHECK_SECONDS
MAX_HOUR_SECONDS = float(os.environ.get("BENCH_GUARDRAILS_MAX_SECONDS", "600"))
GROUP = "rg-bench-guard"
EPISODES_ROUTE = "/durabletask/_diagnostics/episodes"
# One generation of the guard: call_activity, create_timer, two wait_for_external_event,
# continue_as_new (orchestrators/guard_loop.py).
ACTIONS_PER_CHECK = 5
RESTART_SECONDS = 300.0


def _arm_client(host: FunctionHost) -> Any:
    from azure.mgmt.containerservice import ContainerServiceClient

    from provisioning.arm_credentials import SimulatorCredential

    return ContainerServiceClient(
        SimulatorCredential(),
        SIMULATOR_SUBSCRIPTION_ID,
        base_url=host.arm_url,
        connection_verify=host.arm_ca_bundle,
    )


def _seed(host: FunctionHost, owner_id: str, count: int) -> list[str]:
    """`count` busy clusters tagged for the owner, written straight to the simulator."""
    from provisioning.clusters.ownership import product_tags

    client = _arm_client(host)
    names = [f"busy-g{index}-{uuid.uuid4().hex[:6]}" for index in range(count)]

    def create(index_name: tuple[int, str]) -> None:
        index, name = index_name
        body = {
            "location": "eastus",
            "tags": product_tags(owner_id, f"2516614703999999999-{index:012x}"),
            "properties": {
                "dnsPrefix": "bench",
                "kubernetesVersion": "1.32.6",
                "agentPoolProfiles": [
                    {"name": "system", "count": 1, "vmSize": "Standard_D2s_v5", "mode": "System"}
                ],
            },
        }
        client.managed_clusters.begin_create_or_update(GROUP, name, body, polling=False).result()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, enumerate(names)))
    time.sleep(host.arm_create_seconds + 1)  # every create has settled (Succeeded, Running)
    return names


def _simulator_requests(host: FunctionHost) -> dict[str, int]:
    response = requests.get(
        host.arm_url + "/_simulator/health", verify=host.arm_ca_bundle, timeout=30
    )
    response.raise_for_status()
    return dict(response.json()["requests"])


def _episodes(host: FunctionHost) -> int:
    response = requests.get(host.rpc_url + EPISODES_ROUTE, timeout=60)
    response.raise_for_status()
    return len(response.json()["episode_durations_ms"])


def _rss_mib(host: FunctionHost) -> float:
    return psutil.Process(host.pid).memory_info().rss / (1024 * 1024)


def _put(session: requests.Session, host: FunctionHost, name: str, body: dict[str, Any]) -> float:
    """One PUT .../guardrails, retried on 503; its time in ms (retries included)."""
    started = time.perf_counter()
    for attempt in range(PUT_ATTEMPTS):
        response = session.put(
            f"{host.base_url}/api/aks/clusters/{GROUP}/{name}/guardrails", json=body, timeout=120
        )
        if response.status_code == 200:
            return (time.perf_counter() - started) * 1000
        if response.status_code != 503:
            break
        time.sleep(2 * (attempt + 1))
    raise RuntimeError(f"guardrails of {name}: {response.status_code} {response.text}")


def _guard_all(host: FunctionHost, session: requests.Session, names: list[str]) -> dict[str, Any]:
    body = {"idle_stop_minutes": 1440, "schedule": None, "expires_at": None}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=PUT_WORKERS) as pool:
        durations = list(pool.map(lambda name: _put(session, host, name, body), names))
    elapsed = time.perf_counter() - started
    return {"puts": len(names), "seconds": round(elapsed, 1), "put_ms": summary_ms(durations)}


def _simulated_hour(host: FunctionHost, count: int) -> dict[str, Any]:
    """Until every guard has made 12 idle checks (an Azure hour), or the cap; the figures."""
    wanted = CHECKS_PER_HOUR * count
    before = _simulator_requests(host)
    episodes_before = _episodes(host)
    rss_before = _rss_mib(host)
    started = time.monotonic()
    checks = 0
    loads: list[float] = []
    while time.monotonic() - started < MAX_HOUR_SECONDS:
        time.sleep(5)
        loads.append(os.getloadavg()[0])
        checks = _simulator_requests(host).get("GET metrics", 0) - before.get("GET metrics", 0)
        if checks >= wanted:
            break
    elapsed = time.monotonic() - started
    after = _simulator_requests(host)
    reads = sum(after.get(k, 0) - before.get(k, 0) for k in after if k.startswith("GET"))
    episodes = _episodes(host) - episodes_before
    return {
        "guards": count,
        "checks_wanted": wanted,
        "checks_done": checks,
        "wall_seconds": round(elapsed, 1),
        "completed": checks >= wanted,
        "checks_per_second": round(checks / elapsed, 1),
        "checks_demanded_per_second": round(count / CHECK_SECONDS, 1),
        "arm_reads_per_idle_check": round(reads / checks, 3) if checks else None,
        "episodes_per_check": round(episodes / checks, 2) if checks else None,
        # The machine is shared: its 1-minute load average while the hour ran.
        "load_average_1m": round(sum(loads) / len(loads), 1) if loads else None,
        "host_rss_mib_before": round(rss_before, 1),
        "host_rss_mib_after": round(_rss_mib(host), 1),
    }


def _edge_lag(
    host: FunctionHost, session: requests.Session, owner_id: str, names: list[str]
) -> dict[str, Any]:
    """Put one stop edge on `names` (the same minute) and measure edge -> accepted stop."""
    # Far enough ahead that every PUT lands before it (an edge before the rules is never acted on).
    edge = (datetime.now(UTC) + timedelta(seconds=150)).replace(second=0, microsecond=0)
    body = {
        "idle_stop_minutes": 1440,
        "schedule": {
            "timezone": "UTC",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": (edge + timedelta(minutes=30)).strftime("%H:%M"),
            "stop": edge.strftime("%H:%M"),
        },
        "expires_at": None,
    }
    with ThreadPoolExecutor(max_workers=PUT_WORKERS) as pool:
        list(pool.map(lambda name: _put(session, host, name, body), names))
    wanted = set(names)
    lags: dict[str, float] = {}
    deadline = time.monotonic() + (edge - datetime.now(UTC)).total_seconds() + 600
    while time.monotonic() < deadline and len(lags) < len(wanted):
        time.sleep(3)
        for job in _schedule_stops(host, owner_id):
            name = job["cluster_name"]
            if name in wanted and name not in lags:
                accepted = job["created_at"].astimezone(UTC)
                lags[name] = (accepted - edge).total_seconds() * 1000
    return {
        "clusters": len(names),
        "stopped": len(lags),
        "edge": edge.strftime("%H:%M:%S"),
        "lag_ms": summary_ms(list(lags.values())),
    }


def _end_edge_guards(host: FunctionHost, session: requests.Session, names: list[str]) -> float:
    """Remove the edge clusters' guardrails (their guards end); seconds it took.

    The simulated hour then runs only guards of running clusters that no operation has
    touched, so each of its checks is an idle check: a stopped or just-started cluster's
    check reads its power state but no metrics, which would count against the idle checks.
    """
    nothing = {"idle_stop_minutes": None, "schedule": None, "expires_at": None}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=PUT_WORKERS) as pool:
        list(pool.map(lambda name: _put(session, host, name, nothing), names))
    return round(time.perf_counter() - started, 1)


def _schedule_stops(host: FunctionHost, owner_id: str) -> list[dict[str, Any]]:
    """The owner's automatic stops, read from the JobState table (every one, not a page)."""
    from azure.data.tables import TableClient

    table = TableClient.from_connection_string(
        host.env["AzureWebJobsStorage"], table_name=host.env["JOBSTATE_TABLE_NAME"]
    )
    with table:
        rows = table.query_entities(
            "PartitionKey eq @owner and Type eq 'aks_stop' and Trigger eq 'schedule'",
            parameters={"owner": owner_id},
            select=["ClusterName", "CreatedAt"],
        )
        return [
            {"cluster_name": row["ClusterName"], "created_at": row["CreatedAt"]} for row in rows
        ]


def _restart(
    stack: ExitStack, host: FunctionHost, env: dict[str, str]
) -> tuple[FunctionHost, float]:
    """Stop the host and start it again on the same ports and task hub with `env`.

    The host resumes every unfinished instance before it listens: with a thousand guards
    that takes longer than start_local_host's minute, so this start may take five.
    """
    from local.processes import spawn

    port = int(host.base_url.rsplit(":", 1)[1])
    rpc_port = int(host.rpc_url.rsplit(":", 1)[1])
    psutil.Process(host.pid).terminate()
    psutil.Process(host.pid).wait(timeout=30)
    args = [
        *(sys.executable, "-m", "local.host", "--port", str(port), "--rpc-port", str(rpc_port)),
        *("--app", "function_app", "--settings", "/nonexistent/local.settings.json"),
        *("--hub-name", host.hub_name),
    ]
    started = time.monotonic()
    child = spawn(
        "local host",
        args,
        port,
        env=env,
        log_path=host.log_path.with_suffix(".2.log"),
        timeout=RESTART_SECONDS,
    )
    resumed = round(time.monotonic() - started, 1)
    logger.info("the host resumed and listened again in %.1f s", resumed)
    stack.callback(child.stop)
    return replace(host, pid=child.proc.pid, env=env), resumed


def run(work_dir: Path, connection_string: str) -> dict[str, Any]:
    """All three phases on a stack of their own; the figures for docs/benchmarks.md."""
    env = {
        "GUARDRAIL_MINUTE_SECONDS": str(MINUTE_SECONDS),
        "GUARDRAIL_CHECK_SECONDS": str(AZURE_CHECK_SECONDS),
        "GUARDRAILS_TABLE_NAME": "BenchGuard" + uuid.uuid4().hex[:8],
    }
    own_dir = work_dir / "guardrails"
    own_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        host = stack.enter_context(
            local_stack.function_host(own_dir, connection_string, extra_env=env)
        )
        owner_id = f"bench-guard-{uuid.uuid4().hex[:8]}"
        session = user_session(owner_id)
        rss_idle = _rss_mib(host)
        names = _seed(host, owner_id, CLUSTERS)
        logger.info("seeded %d clusters; setting their guardrails", len(names))
        setup = _guard_all(host, session, names)
        logger.info("guardrails set: %s", setup)
        edge = _edge_lag(host, session, owner_id, names[:EDGE_CLUSTERS])
        logger.info("schedule edge: %s", edge)
        ended = _end_edge_guards(host, session, names[:EDGE_CLUSTERS])
        logger.info("the edge's guards ended (%s s)", ended)
        names = names[EDGE_CLUSTERS:]
        host, resumed = _restart(
            stack, host, {**host.env, "GUARDRAIL_CHECK_SECONDS": str(CHECK_SECONDS)}
        )
        logger.info("restarted with 5-second checks in %s s", resumed)
        time.sleep(2 * CHECK_SECONDS)
        hour = _simulated_hour(host, len(names))
        logger.info("simulated hour: %s", hour)
    per_day = 86400 // AZURE_CHECK_SECONDS
    return {
        "clusters": CLUSTERS,
        "minute_seconds": MINUTE_SECONDS,
        "check_seconds": CHECK_SECONDS,
        "host_rss_mib_idle": round(rss_idle, 1),
        "setup": setup,
        "schedule_edge": edge,
        "edge_guards_ended_seconds": ended,
        "restart_resume_seconds": resumed,
        "simulated_hour": hour,
        "azure_defaults_per_cluster_per_day": {
            "checks": per_day,
            "orchestration_actions": per_day * ACTIONS_PER_CHECK,
            "orchestrator_episodes": round(per_day * (hour["episodes_per_check"] or 0)),
            "activity_executions": per_day,
        },
    }


if __name__ == "__main__":  # python -m bench.guardrails: this benchmark alone
    import json
    import tempfile

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-guard-") as temp:
        with local_stack.azurite(Path(temp)) as azurite:
            logger.info("%s", json.dumps(run(Path(temp), azurite), indent=1))
