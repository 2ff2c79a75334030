"""Preflight and options: read live Azure facts (in parallel, catalog cached), run the checks.

Advice only: provision never runs it. Every source that fails leaves its part empty and
sets `degraded` (options) or turns its checks `unknown` (preflight) — never an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from provisioning.catalog.azure import (
    KubernetesVersion,
    Region,
    VmSize,
    read_kubernetes_versions,
    read_permissions,
    read_regions,
    read_resource_group_location,
    read_usages,
    read_vm_sizes,
)
from provisioning.catalog.cache import CATALOG_TTL_SECONDS, PRICES_TTL_SECONDS, CatalogCache
from provisioning.catalog.prices import CURRENCY, read_hourly_prices
from provisioning.clusters.arm_calls import read_cluster
from provisioning.jobs.events import log_preflight_checked
from provisioning.models import ProvisionRequest
from provisioning.preflight.checks import (
    CheckStatus,
    Fetched,
    PoolRequest,
    PreflightFacts,
    quota_summary,
    run_checks,
)
from provisioning.preflight.quota_gate import QuotaSources
from provisioning.requests.validation import (
    RequestValidationError,
    input_limits,
    validate_region,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
HOURS_PER_MONTH = 730
MAX_PARALLEL_READS = 8

_executor_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


@dataclass(frozen=True)
class AzureSources:
    """The clients preflight reads through: the real SDK clients, or fakes in unit tests."""

    subscription_id: str
    subscriptions: Any
    resources: Any
    compute: Any
    authorization: Any
    containers: Any
    prices: Any
    prices_endpoint: str
    app_identity: str | None = None


def _pool() -> ThreadPoolExecutor:
    """One bounded pool per process for the parallel reads (created on first use)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(MAX_PARALLEL_READS, thread_name_prefix="preflight")
        return _executor


def fetched(read: Callable[[], T]) -> Fetched[T]:
    """Run one read; a failure becomes its reason (no internal address, logged in full)."""
    try:
        return Fetched(value=read())
    except Exception as exc:  # every source failure degrades, none is an error
        logger.warning("preflight source failed: %s", exc)
        return Fetched(error=_reason(exc))


def _reason(exc: Exception) -> str:
    code = getattr(getattr(exc, "error", None), "code", None)
    status = getattr(exc, "status_code", None)
    if code or status:
        return " ".join(["Azure answered", *(str(part) for part in (status, code) if part)]) + "."
    return f"Azure did not answer ({type(exc).__name__})."


def _in_parallel(reads: dict[str, Callable[[], Any]]) -> dict[str, Fetched[Any]]:
    futures = {name: _pool().submit(fetched, read) for name, read in reads.items()}
    return {name: future.result() for name, future in futures.items()}


# --- the cached catalog -----------------------------------------------------------------------


def cached_regions(sources: AzureSources, cache: CatalogCache) -> tuple[Region, ...]:
    """Regions offering AKS to this subscription (1 h)."""
    return cache.get_or_load(
        ("regions", sources.subscription_id),
        CATALOG_TTL_SECONDS,
        lambda: read_regions(sources.subscriptions, sources.resources, sources.subscription_id),
    )


def cached_vm_sizes(sources: AzureSources, cache: CatalogCache, region: str) -> tuple[VmSize, ...]:
    """VM sizes of a region (1 h)."""
    return cache.get_or_load(
        ("vm_sizes", region), CATALOG_TTL_SECONDS, lambda: read_vm_sizes(sources.compute, region)
    )


def cached_versions(
    sources: AzureSources, cache: CatalogCache, region: str
) -> tuple[KubernetesVersion, ...]:
    """Kubernetes versions of a region (1 h)."""
    return cache.get_or_load(
        ("versions", region),
        CATALOG_TTL_SECONDS,
        lambda: read_kubernetes_versions(sources.containers, region),
    )


def cached_prices(sources: AzureSources, cache: CatalogCache, region: str) -> dict[str, float]:
    """Linux pay-as-you-go hourly prices of a region (24 h)."""
    return cache.get_or_load(
        ("prices", region),
        PRICES_TTL_SECONDS,
        lambda: read_hourly_prices(sources.prices, sources.prices_endpoint, region),
    )


def quota_sources(sources: AzureSources, cache: CatalogCache) -> QuotaSources:
    """What the quota check before a change reads: the cached VM sizes and live usages."""
    return QuotaSources(
        vm_sizes=lambda region: cached_vm_sizes(sources, cache, region),
        usages=lambda region: read_usages(sources.compute, region),
    )


# --- GET /api/aks/options ---------------------------------------------------------------------


def options_document(sources: AzureSources, cache: CatalogCache, region: str) -> dict[str, Any]:
    """Regions, sizes (with availability and price) and versions for the create dialog."""
    region = validate_region(region)
    parts = _in_parallel(
        {
            "regions": lambda: cached_regions(sources, cache),
            "vm_sizes": lambda: cached_vm_sizes(sources, cache, region),
            "versions": lambda: cached_versions(sources, cache, region),
            "prices": lambda: cached_prices(sources, cache, region),
        }
    )
    regions = parts["regions"].value or ()
    if parts["regions"].ok and region not in {r.name for r in regions}:
        raise RequestValidationError(
            "region", f"region '{region}' does not offer AKS clusters to this subscription"
        )
    prices = parts["prices"].value or {}
    return {
        "region": region,
        "regions": [r.to_dict() for r in regions],
        "vm_sizes": [_size_document(size, prices) for size in parts["vm_sizes"].value or ()],
        "kubernetes_versions": [v.to_dict() for v in parts["versions"].value or ()],
        "currency": CURRENCY,
        "degraded": not all(part.ok for part in parts.values()),
        "limits": input_limits(),
    }


def _size_document(size: VmSize, prices: dict[str, float]) -> dict[str, Any]:
    return {
        "name": size.name,
        "vcpus": size.vcpus,
        "memory_gib": size.memory_gib,
        "family": size.family,
        "zones": list(size.zones),
        "available": size.available,
        "reason": size.reason,
        "price_per_hour": prices.get(size.name),
    }


# --- POST /api/aks/preflight ------------------------------------------------------------------


def gather_facts(
    sources: AzureSources, cache: CatalogCache, request: ProvisionRequest, owner_id: str
) -> tuple[PreflightFacts, Fetched[dict[str, float]]]:
    """Every source the checks read, fetched in parallel (catalog from the cache)."""
    region, group = request.region, request.resource_group
    parts = _in_parallel(
        {
            "vm_sizes": lambda: cached_vm_sizes(sources, cache, region),
            "kubernetes_versions": lambda: cached_versions(sources, cache, region),
            "prices": lambda: cached_prices(sources, cache, region),
            "usages": lambda: read_usages(sources.compute, region),
            "resource_group_location": lambda: read_resource_group_location(
                sources.resources, group
            ),
            "permissions": lambda: read_permissions(sources.authorization, group),
            "existing_cluster": lambda: read_cluster(
                sources.containers, group, request.cluster_name
            ),
        }
    )
    facts = PreflightFacts(
        subscription_id=request.subscription_id,
        region=region,
        resource_group=group,
        cluster_name=request.cluster_name,
        kubernetes_version=request.kubernetes_version,
        owner_id=owner_id,
        pools=tuple(PoolRequest(*pool) for pool in request.pools),
        vm_sizes=parts["vm_sizes"],
        usages=parts["usages"],
        resource_group_location=parts["resource_group_location"],
        permissions=parts["permissions"],
        kubernetes_versions=parts["kubernetes_versions"],
        existing_cluster=parts["existing_cluster"],
        app_identity=sources.app_identity,
        access=request.access,
    )
    return facts, parts["prices"]


def estimated_cost(
    pools: tuple[PoolRequest, ...], prices: dict[str, float] | None
) -> dict[str, Any] | None:
    """Σ nodes × hourly price, and × 730 for a month; None when any pool's price is unknown."""
    if not prices or any(pool.vm_size not in prices for pool in pools):
        return None
    per_hour = sum(pool.count * prices[pool.vm_size] for pool in pools)
    return {
        "per_hour": round(per_hour, 4),
        "per_month": round(per_hour * HOURS_PER_MONTH, 2),
        "currency": CURRENCY,
    }


def preflight(
    sources: AzureSources, cache: CatalogCache, request: ProvisionRequest, owner_id: str
) -> dict[str, Any]:
    """The preflight answer (README): ok, checks in order, quota, cost."""
    facts, prices = gather_facts(sources, cache, request, owner_id)
    checks = run_checks(facts)
    log_preflight_checked(request, owner_id, checks)
    quota = quota_summary(facts)
    return {
        "ok": not any(check.status is CheckStatus.FAIL for check in checks),
        "checks": [check.to_dict() for check in checks],
        "quota": quota.to_dict() if quota else None,
        "cost": estimated_cost(facts.pools, prices.value),
    }
