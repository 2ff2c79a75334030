"""Lazy, once-per-process clients for what preflight reads (resources, compute, auth, prices).

Each SDK is imported on first use only: preflight must not cost the cold start anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from provisioning.settings import Settings, get_settings

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _arm_options(settings: Settings) -> tuple[Any, dict[str, Any]]:
    """Credential and client options: the simulator (static token, its CA) or Azure.

    These clients serve HTTP requests only, so they get the request's patience (seconds).
    """
    from provisioning.clients import arm_client_options

    options: dict[str, Any] = {
        "base_url": settings.arm_endpoint,
        **arm_client_options(settings.arm_request_patience),
    }
    if settings.uses_arm_simulator:
        from provisioning.arm_credentials import SimulatorCredential

        if settings.arm_ca_bundle:
            options["connection_verify"] = settings.arm_ca_bundle
        return SimulatorCredential(), options
    from provisioning.clients import azure_credential

    return azure_credential(), options


def _cached(name: str, build: Callable[[Settings], Any]) -> Any:
    with _lock:
        client = _cache.get(name)
    if client is not None:
        return client
    client = build(get_settings())
    with _lock:
        return _cache.setdefault(name, client)


def subscription_client() -> Any:
    """SubscriptionClient (locations); its operations take the subscription id."""

    def build(settings: Settings) -> Any:
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        credential, options = _arm_options(settings)
        return SubscriptionClient(credential, **options)

    return _cached("subscriptions", build)


def resource_client() -> Any:
    """ResourceManagementClient (providers, resource groups)."""

    def build(settings: Settings) -> Any:
        from azure.mgmt.resource.resources import ResourceManagementClient

        credential, options = _arm_options(settings)
        return ResourceManagementClient(credential, settings.subscription_id, **options)

    return _cached("resources", build)


def compute_client() -> Any:
    """ComputeManagementClient (resource SKUs, usages)."""

    def build(settings: Settings) -> Any:
        from azure.mgmt.compute import ComputeManagementClient

        credential, options = _arm_options(settings)
        return ComputeManagementClient(credential, settings.subscription_id, **options)

    return _cached("compute", build)


def authorization_client() -> Any:
    """AuthorizationManagementClient (the app identity's permissions)."""

    def build(settings: Settings) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        credential, options = _arm_options(settings)
        return AuthorizationManagementClient(credential, settings.subscription_id, **options)

    return _cached("authorization", build)


def prices_client() -> Any:
    """A pipeline client for the public Retail Prices API (the simulator's CA locally)."""

    def build(settings: Settings) -> Any:
        from provisioning.catalog.prices import make_prices_client

        ca_bundle = settings.arm_ca_bundle if settings.uses_arm_simulator else None
        return make_prices_client(settings.retail_prices_endpoint, ca_bundle)

    return _cached("prices", build)


def azure_sources() -> Any:
    """The real clients preflight and options read through, built once per process."""
    from provisioning.clients import request_container_service_client
    from provisioning.preflight.run import AzureSources

    settings = get_settings()
    return AzureSources(
        subscription_id=settings.subscription_id,
        subscriptions=subscription_client(),
        resources=resource_client(),
        compute=compute_client(),
        authorization=authorization_client(),
        containers=request_container_service_client(),
        prices=prices_client(),
        prices_endpoint=settings.retail_prices_endpoint,
        app_identity=settings.managed_identity_client_id,
    )


def catalog_cache() -> Any:
    """The process's catalog cache (regions, sizes, versions: 1 h; prices: 24 h)."""
    from provisioning.catalog.cache import CatalogCache

    with _lock:
        return _cache.setdefault("catalog_cache", CatalogCache())
