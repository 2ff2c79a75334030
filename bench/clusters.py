"""Your clusters: list latency and ARM calls per request with 1, 10 and 100 clusters, and the
end-to-end time of each lifecycle operation on the simulator (docs/benchmarks.md, §15).

The list is measured over HTTP through the local host; ARM calls are counted in process on
the real SDK client (a raw_request_hook), so "one list call per request" is a count, not a
claim.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import requests

from bench.local_stack import SIMULATOR_SUBSCRIPTION_ID, FunctionHost
from bench.percentiles import summary_ms

logger = logging.getLogger(__name__)

SIZES = (1, 10, 100)
GROUP = "rg-bench-clusters"
BUDGET_P95_MS = 1000.0


def _arm_client(host: FunctionHost, hook: Any = None) -> Any:
    from azure.mgmt.containerservice import ContainerServiceClient

    from provisioning.arm_credentials import SimulatorCredential

    options: dict[str, Any] = {"base_url": host.arm_url, "connection_verify": host.arm_ca_bundle}
    if hook is not None:
        options["raw_request_hook"] = hook
    return ContainerServiceClient(SimulatorCredential(), SIMULATOR_SUBSCRIPTION_ID, **options)


def _seed(client: Any, owner_id: str, count: int) -> None:
    """`count` clusters tagged for `owner_id`, written straight to the simulator."""
    from provisioning.clusters.ownership import product_tags

    for index in range(count):
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
        client.managed_clusters.begin_create_or_update(
            GROUP, f"b{count}-{index}-{uuid.uuid4().hex[:6]}", body, polling=False
        ).result()


def _principal(owner_id: str) -> dict[str, str]:
    from provisioning.access.identity import encode_easyauth_principal

    return {"X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal(owner_id, owner_id)}


def list_figures(host: FunctionHost, repetitions: int) -> dict[str, Any]:
    """Per size: HTTP latency of GET /api/aks/clusters, and ARM requests one listing makes."""
    seeder = _arm_client(host)
    figures: dict[str, Any] = {}
    for size in SIZES:
        owner = f"bench-list-{size}-{uuid.uuid4().hex[:6]}"
        _seed(seeder, owner, size)
        session = requests.Session()
        session.headers.update(_principal(owner))
        url = host.base_url + "/api/aks/clusters"
        listed = len(session.get(url, timeout=60).json()["clusters"])  # warm the catalog
        timings = []
        for _ in range(repetitions * 2):
            started = time.perf_counter()
            session.get(url, timeout=60).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
        figures[str(size)] = {
            "listed": listed,
            "latency": summary_ms(timings),
            "arm_calls_per_request": _arm_calls_of_one_listing(host, owner),
        }
    return figures


def _arm_calls_of_one_listing(host: FunctionHost, owner: str) -> int:
    """ARM requests one listing makes (the catalog is cached, as in a warm process)."""
    from provisioning.fleet.listing import your_clusters

    calls: list[str] = []
    counting = _arm_client(host, lambda request: calls.append(request.http_request.url))
    your_clusters(None, counting, lambda region: (), owner, "", now=_now())
    return len(calls)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _wait(session: requests.Session, host: FunctionHost, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        document = session.get(f"{host.base_url}/api/tasks/{task_id}", timeout=30).json()
        if document["status"] in ("succeeded", "failed", "cancelled"):
            return document
        time.sleep(0.1)
    raise RuntimeError(f"task {task_id} did not finish")


def operation_figures(host: FunctionHost) -> dict[str, Any]:
    """POST → terminal for create, stop, start, scale, upgrade and delete of one cluster."""
    owner = f"bench-ops-{uuid.uuid4().hex[:6]}"
    session = requests.Session()
    session.headers.update(_principal(owner))
    name = f"ops-{uuid.uuid4().hex[:8]}"
    base = f"{host.base_url}/api/aks/clusters/{GROUP}/{name}"
    steps: list[tuple[str, str, Any]] = [
        (
            "create",
            host.base_url + "/api/aks/provision",
            {"cluster_name": name, "resource_group": GROUP, "region": "eastus"},
        ),
        ("stop", base + "/stop", None),
        ("start", base + "/start", None),
        ("scale", base + "/scale", {"node_pool": "system", "node_count": 2}),
        ("upgrade", base + "/upgrade", {"kubernetes_version": "1.33.2"}),
        ("delete", base + "/delete", {"confirm": name}),
    ]
    figures: dict[str, Any] = {"arm_operation_seconds": host.arm_create_seconds}
    for label, url, body in steps:
        started = time.perf_counter()
        answer = session.post(url, json=body, timeout=60)
        answer.raise_for_status()
        document = _wait(session, host, answer.json()["task_id"])
        figures[label] = {
            "status": document["status"],
            "seconds": round(time.perf_counter() - started, 2),
        }
    return figures


def run(host: FunctionHost, repetitions: int = 7) -> dict[str, Any]:
    """Every clusters figure, printed and returned for results.json."""
    figures: dict[str, Any] = {
        "list": list_figures(host, repetitions),
        "operations": operation_figures(host),
        "budget_p95_ms": BUDGET_P95_MS,
    }
    figures["list_100_p95_ms"] = figures["list"]["100"]["latency"]["p95_ms"]
    figures["list_arm_calls_max"] = max(
        v["arm_calls_per_request"] for v in figures["list"].values()
    )
    logger.info("clusters: %s", figures)
    return figures
