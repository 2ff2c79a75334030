"""Lazy, once-per-process SDK clients: nothing heavy is imported until first use."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.tables import (
    StorageUnavailable,
    table_client_from_connection_string,
    table_client_from_endpoint,
)
from provisioning.settings import ArmPatience, Settings, get_settings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.data.tables import TableClient
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.containerservice import ContainerServiceClient
    from azure.mgmt.monitor import MonitorManagementClient

    from provisioning.guardrails.repository import GuardrailRepository

logger = logging.getLogger(__name__)

SIMULATOR_POLLING_INTERVAL_SECONDS = 1

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def reset_clients() -> None:
    """Forget every cached client (tests change settings between cases)."""
    with _lock:
        _cache.clear()


def azure_credential() -> TokenCredential:
    """DefaultAzureCredential, preferring the app's user-assigned managed identity."""
    with _lock:
        credential = _cache.get("credential")
        if credential is None:
            from azure.identity import DefaultAzureCredential

            client_id = get_settings().managed_identity_client_id
            credential = DefaultAzureCredential(managed_identity_client_id=client_id)
            _cache["credential"] = credential
        return credential


def _table_client(settings: Settings, table_name: str) -> TableClient:
    timeout = settings.storage_timeout_seconds
    if settings.storage_connection_string:
        return table_client_from_connection_string(
            settings.storage_connection_string, table_name, timeout_seconds=timeout
        )
    if not settings.table_service_uri:
        raise RuntimeError("no table storage configured")
    return table_client_from_endpoint(
        settings.table_service_uri, table_name, azure_credential(), timeout_seconds=timeout
    )


def jobstate_repository() -> JobStateRepository:
    """The process's JobState repository; its tables are created on first successful use.

    Raises StorageUnavailable while the tables cannot be ensured (the next call tries again).
    """
    repository: JobStateRepository | None = _cache.get("repository")
    if repository is None:
        settings = get_settings()
        table = _table_client(settings, settings.jobstate_table_name)
        claims = _table_client(settings, claims_table_name(settings.jobstate_table_name))
        repository = JobStateRepository(table, claims)
        with _lock:
            repository = _cache.setdefault("repository", repository)
    if not _cache.get("tables_ready"):
        repository.ensure_tables()
        _cache["tables_ready"] = True
        logger.info("JobState tables ready")
    return repository


def jobstate_repository_or_none() -> JobStateRepository | None:
    """The repository, or None while storage is unreachable (progress writes are best-effort)."""
    try:
        return jobstate_repository()
    except StorageUnavailable:
        logger.warning("JobState storage unavailable; continuing without progress writes")
        return None


def arm_client_options(patience: ArmPatience) -> dict[str, Any]:
    """azure-core options bounding one ARM call: connect and read timeouts, and its retries."""
    return {
        "connection_timeout": patience.connect_timeout_seconds,
        "read_timeout": patience.read_timeout_seconds,
        "retry_total": patience.retries,
    }


def _arm_credential_and_options(
    settings: Settings, patience: ArmPatience
) -> tuple[Any, dict[str, Any]]:
    """Credential and client options: the local simulator (static token, its CA) or Azure."""
    options: dict[str, Any] = {"base_url": settings.arm_endpoint, **arm_client_options(patience)}
    if not settings.uses_arm_simulator:
        return azure_credential(), options
    from provisioning.arm_credentials import SimulatorCredential

    options["polling_interval"] = SIMULATOR_POLLING_INTERVAL_SECONDS
    if settings.arm_ca_bundle:
        options["connection_verify"] = settings.arm_ca_bundle
    return SimulatorCredential(), options


def container_service_client() -> ContainerServiceClient:
    """The ARM client of activities: patient (the orchestration waits on durable timers)."""
    return _container_service_client("container_service", get_settings().arm_workflow_patience)


def request_container_service_client() -> ContainerServiceClient:
    """The ARM client of HTTP requests: a silent ARM costs the caller seconds, not minutes."""
    return _container_service_client(
        "request_container_service", get_settings().arm_request_patience
    )


def _container_service_client(name: str, patience: ArmPatience) -> ContainerServiceClient:
    """An ARM client: the local simulator (static token, its CA) or Azure (Entra ID)."""
    with _lock:
        cached: ContainerServiceClient | None = _cache.get(name)
        if cached is not None:
            return cached
    settings = get_settings()
    from azure.mgmt.containerservice import ContainerServiceClient

    credential, options = _arm_credential_and_options(settings, patience)
    client = ContainerServiceClient(credential, settings.subscription_id, **options)
    with _lock:
        shared: ContainerServiceClient = _cache.setdefault(name, client)
    return shared


def guardrail_repository() -> GuardrailRepository:
    """The process's guardrails repository; its table is created on first successful use.

    Raises StorageUnavailable while the table cannot be ensured (the next call tries again).
    """
    from provisioning.guardrails.repository import GuardrailRepository

    repository: GuardrailRepository | None = _cache.get("guardrails")
    if repository is None:
        settings = get_settings()
        repository = GuardrailRepository(_table_client(settings, settings.guardrails_table_name))
        with _lock:
            repository = _cache.setdefault("guardrails", repository)
    if not _cache.get("guardrails_ready"):
        repository.ensure_table()
        _cache["guardrails_ready"] = True
        logger.info("guardrails table ready")
    return repository


def guardrail_repository_or_none() -> GuardrailRepository | None:
    """The guardrails repository, or None while storage is unreachable (the list degrades)."""
    try:
        return guardrail_repository()
    except StorageUnavailable:
        logger.warning("guardrails storage unavailable")
        return None


def monitor_client() -> MonitorManagementClient:
    """Azure Monitor (node CPU of guarded clusters): the simulator locally, else Azure."""
    with _lock:
        cached: MonitorManagementClient | None = _cache.get("monitor")
        if cached is not None:
            return cached
    settings = get_settings()
    from azure.mgmt.monitor import MonitorManagementClient

    credential, options = _arm_credential_and_options(settings, settings.arm_workflow_patience)
    options.pop("polling_interval", None)  # metrics have no long-running operations
    # One try: a failed read already means "not idle", and the next check reads again.
    options["retry_total"] = 0
    client = MonitorManagementClient(credential, settings.subscription_id, **options)
    with _lock:
        shared: MonitorManagementClient = _cache.setdefault("monitor", client)
    return shared


def authorization_client() -> AuthorizationManagementClient:
    """Role assignments on clusters (the create's access grant, the delete's cleanup).

    Activities only: the workflow's patience.
    """
    with _lock:
        cached: AuthorizationManagementClient | None = _cache.get("authorization")
        if cached is not None:
            return cached
    settings = get_settings()
    from azure.mgmt.authorization import AuthorizationManagementClient

    credential, options = _arm_credential_and_options(settings, settings.arm_workflow_patience)
    options.pop("polling_interval", None)  # role assignments have no long-running operations
    client = AuthorizationManagementClient(credential, settings.subscription_id, **options)
    with _lock:
        shared: AuthorizationManagementClient = _cache.setdefault("authorization", client)
    return shared
