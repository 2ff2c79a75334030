"""Node pools: what the quota check costs an accept, its ARM calls, and each pool operation
end to end on the simulator (README "Node pools and quota before acting").

The quota check's cost is measured as a difference in one run, interleaved: a pool add
refused with `quota_exceeded` (ownership, state, catalog, live usages) against one refused
with `pool_exists` (the same path, stopping before the quota is read). Neither changes
anything, so every repetition meets the same cluster. ARM requests of one check are counted
in process on the real SDK client (a raw_request_hook).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import requests

from bench.clusters import _arm_client, _principal, _wait
from bench.local_stack import SIMULATOR_SUBSCRIPTION_ID, FunctionHost
from bench.percentiles import median, summary_ms

logger = logging.getLogger(__name__)

GROUP = "rg-bench-pools"
TOO_BIG = {"name": "big", "vm_size": "Standard_D16s_v5", "node_count": 100}
TAKEN = {"name": "system", "vm_size": "Standard_D4s_v5", "node_count": 1}


def _seed_cluster(host: FunctionHost, owner: str) -> str:
    """One running cluster of `owner`'s, written straight to the simulator."""
    from provisioning.clusters.ownership import product_tags

    name = f"pools-{uuid.uuid4().hex[:8]}"
    body = {
        "location": "eastus",
        "tags": product_tags(owner, "2516614703999999999-000000000001"),
        "properties": {
            "dnsPrefix": "bench",
            "kubernetesVersion": "1.32.6",
            "agentPoolProfiles": [
                {"name": "system", "count": 1, "vmSize": "Standard_D2s_v5", "mode": "System"}
            ],
        },
    }
    _arm_client(host).managed_clusters.begin_create_or_update(GROUP, name, body).result()
    return name


def _timed(session: requests.Session, url: str, body: dict[str, Any], code: str) -> float:
    started = time.perf_counter()
    answer = session.post(url, json=body, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 409 or answer.json()["error"]["code"] != code:
        raise RuntimeError(f"expected 409 {code}, got {answer.status_code}: {answer.text}")
    return elapsed


def refusal_latency(host: FunctionHost, repetitions: int) -> dict[str, Any]:
    """HTTP latency of a refusal after the quota check vs one before it, interleaved."""
    owner = f"bench-pools-{uuid.uuid4().hex[:6]}"
    name = _seed_cluster(host, owner)
    session = requests.Session()
    session.headers.update(_principal(owner))
    url = f"{host.base_url}/api/aks/clusters/{GROUP}/{name}/pools"
    _timed(session, url, TOO_BIG, "quota_exceeded")  # warm the catalog cache
    quota, exists = [], []
    for _ in range(repetitions * 3):
        quota.append(_timed(session, url, TOO_BIG, "quota_exceeded"))
        exists.append(_timed(session, url, TAKEN, "pool_exists"))
    return {
        "quota_exceeded": summary_ms(quota),
        "pool_exists": summary_ms(exists),
        "quota_check_median_ms": round(median(quota) - median(exists), 3),
    }


def arm_calls_per_check(host: FunctionHost) -> dict[str, int]:
    """ARM requests of one quota check, cold and with the catalog cached (real SDK client)."""
    from azure.mgmt.compute import ComputeManagementClient

    from provisioning.arm_credentials import SimulatorCredential
    from provisioning.catalog.azure import read_usages, read_vm_sizes
    from provisioning.catalog.cache import CATALOG_TTL_SECONDS, CatalogCache
    from provisioning.preflight.capacity import NodeDemand
    from provisioning.preflight.quota_gate import QuotaSources, quota_verdict

    calls: list[str] = []
    compute = ComputeManagementClient(
        SimulatorCredential(),
        SIMULATOR_SUBSCRIPTION_ID,
        base_url=host.arm_url,
        connection_verify=host.arm_ca_bundle,
        raw_request_hook=lambda request: calls.append(request.http_request.url),
    )
    cache = CatalogCache()
    sources = QuotaSources(
        vm_sizes=lambda region: cache.get_or_load(
            ("vm_sizes", region), CATALOG_TTL_SECONDS, lambda: read_vm_sizes(compute, region)
        ),
        usages=lambda region: read_usages(compute, region),
    )
    demand = [NodeDemand("Standard_D16s_v5", 100)]
    quota_verdict(sources, "eastus", demand)
    cold = len(calls)
    calls.clear()
    quota_verdict(sources, "eastus", demand)
    return {"cold": cold, "warm_catalog": len(calls)}


def operation_figures(host: FunctionHost) -> dict[str, Any]:
    """POST → terminal for a pool add, autoscale on, autoscale off, and delete."""
    owner = f"bench-poolops-{uuid.uuid4().hex[:6]}"
    name = _seed_cluster(host, owner)
    session = requests.Session()
    session.headers.update(_principal(owner))
    base = f"{host.base_url}/api/aks/clusters/{GROUP}/{name}"
    steps: list[tuple[str, str, Any]] = [
        ("add", base + "/pools", {"name": "work", "vm_size": "Standard_D2s_v5", "node_count": 1}),
        ("autoscale on", base + "/pools/work/autoscale", {"min": 1, "max": 3}),
        ("autoscale off", base + "/pools/work/autoscale", {"enabled": False, "node_count": 1}),
        ("delete", base + "/pools/work/delete", {"confirm": "work"}),
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
    """Every node-pool figure, logged and returned for results.json."""
    figures = {
        "refusals": refusal_latency(host, repetitions),
        "arm_calls_per_check": arm_calls_per_check(host),
        "operations": operation_figures(host),
    }
    logger.info("pools: %s", figures)
    return figures
