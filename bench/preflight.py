"""Preflight: latency cold and warm (HTTP, p50/p95), ARM calls per preflight (in process,
counted on the real SDK clients), and how much sooner it reports a bad VM size than Create.

The original system reported a rejected SKU about 70 s after Create; we quote that figure
and measure our own Create-to-failure time (the `nosku-` path through the orchestration)
against the preflight that shows the same problem, side by side in one run.
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

ORIGINAL_BAD_SKU_SECONDS = 70.0
PRINCIPAL_USER = "bench-preflight"
BUDGET_P95_MS = 1000.0
# Requests that read the cached catalog: none may repeat for a warm region.
CATALOG_PATHS = ("/skus", "/kubernetesversions", "/retail/prices")


def _body(region: str = "eastus", size: str = "Standard_D2s_v5", **extra: Any) -> dict[str, Any]:
    return {
        "cluster_name": f"pf-{uuid.uuid4().hex[:8]}",
        "resource_group": "rg-bench",
        "region": region,
        "node_vm_size": size,
        "node_count": 2,
        **extra,
    }


def _session(host: FunctionHost) -> requests.Session:
    session = requests.Session()
    session.cookies.set("local_dev_user", PRINCIPAL_USER)
    return session


def _timed_post(session: requests.Session, url: str, body: dict[str, Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = session.post(url, json=body, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def http_latency(host: FunctionHost, repetitions: int) -> dict[str, Any]:
    """Cold (first request for a region since start) and warm preflight latency over HTTP."""
    session = _session(host)
    url = host.base_url + "/api/aks/preflight"
    regions = [
        "westeurope",
        "northeurope",
        "uksouth",
        "francecentral",
        "swedencentral",
        "centralus",
        "eastus2",
        "westus2",
        "japaneast",
        "southeastasia",
        "australiaeast",
        "canadacentral",
        "germanywestcentral",
    ]
    cold = [_timed_post(session, url, _body(region))[0] for region in regions[:repetitions]]
    warm = [_timed_post(session, url, _body("westeurope"))[0] for _ in range(repetitions * 3)]
    return {"cold": summary_ms(cold), "warm": summary_ms(warm), "budget_p95_ms": BUDGET_P95_MS}


def arm_calls(host: FunctionHost) -> dict[str, int]:
    """ARM (and price) requests one preflight makes, cold and warm, on the real SDK clients."""
    from provisioning.catalog.cache import CatalogCache
    from provisioning.catalog.prices import make_prices_client
    from provisioning.models import ProvisionRequest
    from provisioning.preflight.run import AzureSources, preflight

    counted: list[str] = []

    def hook(request: Any) -> None:
        counted.append(request.http_request.url)

    sources = _counting_sources(host, hook, AzureSources, make_prices_client)
    cache = CatalogCache()
    request = ProvisionRequest(
        SIMULATOR_SUBSCRIPTION_ID, "rg-bench", "pf-calls", "westus2", "Standard_D2s_v5", 2, None
    )
    preflight(sources, cache, request, "bench-owner")
    cold = len(counted)
    counted.clear()
    preflight(sources, cache, request, "bench-owner")
    catalog = [url for url in counted if any(part in url.lower() for part in CATALOG_PATHS)]
    return {"cold": cold, "warm": len(counted), "warm_catalog": len(catalog)}


def _counting_sources(host: FunctionHost, hook: Any, sources_type: Any, prices: Any) -> Any:
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.containerservice import ContainerServiceClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    from provisioning.arm_credentials import SimulatorCredential

    options = {
        "base_url": host.arm_url,
        "connection_verify": host.arm_ca_bundle,
        "raw_request_hook": hook,
    }
    credential, sub = SimulatorCredential(), SIMULATOR_SUBSCRIPTION_ID
    price_client = prices(host.arm_url, host.arm_ca_bundle)
    return sources_type(
        subscription_id=sub,
        subscriptions=SubscriptionClient(credential, **options),
        resources=ResourceManagementClient(credential, sub, **options),
        compute=ComputeManagementClient(credential, sub, **options),
        authorization=AuthorizationManagementClient(credential, sub, **options),
        containers=ContainerServiceClient(credential, sub, **options),
        prices=_CountingPrices(price_client, hook),
        prices_endpoint=host.arm_url,
    )


class _CountingPrices:
    """Counts Retail Prices pages like the SDK hook counts ARM requests."""

    def __init__(self, client: Any, hook: Any) -> None:
        self._client, self._hook = client, hook

    def send_request(self, request: Any, **kwargs: Any) -> Any:
        self._hook(type("Counted", (), {"http_request": request})())
        return self._client.send_request(request, **kwargs)


def bad_size_detection(host: FunctionHost) -> dict[str, float]:
    """Create-to-failure of a rejected size (nosku-) vs the preflight that reports a bad size."""
    session = _session(host)
    started = time.perf_counter()
    accepted = session.post(
        host.base_url + "/api/aks/provision",
        json=_body(cluster_name=f"nosku-{uuid.uuid4().hex[:8]}"),
        timeout=60,
    )
    accepted.raise_for_status()
    task_url = host.base_url + accepted.json()["status_url"]
    while True:
        document = session.get(task_url, timeout=30).json()
        if document["status"] == "failed":
            break
        if time.perf_counter() - started > 120:
            raise RuntimeError(f"nosku- attempt did not fail: {document}")
        time.sleep(0.05)
    create_ms = (time.perf_counter() - started) * 1000
    preflight_ms, answer = _timed_post(
        session, host.base_url + "/api/aks/preflight", _body("westus3", "Standard_D8s_v5")
    )
    failed = [c["id"] for c in answer["checks"] if c["status"] == "fail"]
    if "vm_size" not in failed:
        raise RuntimeError(f"preflight did not report the bad size: {answer}")
    return {
        "create_to_failure_ms": round(create_ms, 1),
        "preflight_ms": round(preflight_ms, 1),
        "ratio_create_over_preflight": round(create_ms / preflight_ms, 1),
        "original_seconds": ORIGINAL_BAD_SKU_SECONDS,
        "ratio_original_over_preflight": round(ORIGINAL_BAD_SKU_SECONDS * 1000 / preflight_ms),
    }


def run(host: FunctionHost, repetitions: int = 7) -> dict[str, Any]:
    """Every preflight figure, printed and returned for results.json."""
    figures = {
        "latency": http_latency(host, repetitions),
        "arm_calls": arm_calls(host),
        "bad_size": bad_size_detection(host),
    }
    logger.info("preflight: %s", figures)
    return figures
