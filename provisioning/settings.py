"""One typed accessor for every setting the function app reads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

AZURE_ARM_ENDPOINT = "https://management.azure.com"
AZURE_RETAIL_PRICES_ENDPOINT = "https://prices.azure.com"


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class ArmPatience:
    """How long one ARM call may take: connect and read timeouts, and azure-core's retries."""

    connect_timeout_seconds: float
    read_timeout_seconds: float
    retries: int

    @property
    def worst_case_seconds(self) -> float:
        """A silent ARM holds a call at most about this long (every try times out)."""
        return (self.retries + 1) * (self.connect_timeout_seconds + self.read_timeout_seconds)


REQUEST_PATIENCE = ArmPatience(connect_timeout_seconds=3.0, read_timeout_seconds=8.0, retries=1)
WORKFLOW_PATIENCE = ArmPatience(connect_timeout_seconds=10.0, read_timeout_seconds=30.0, retries=3)


@dataclass(frozen=True)
class Settings:
    """Typed view of the app settings, read once per process."""

    # Storage for JobState: a connection string (local / Azurite) or, in Azure,
    # the identity-based table endpoint from AzureWebJobsStorage__tableServiceUri.
    storage_connection_string: str | None
    table_service_uri: str | None
    jobstate_table_name: str
    # ARM: the simulator locally, management.azure.com in Azure.
    subscription_id: str
    arm_endpoint: str
    arm_ca_bundle: str | None
    tenant_id: str
    managed_identity_client_id: str | None
    # Orchestration timing (orchestrators receive these as input, never read them).
    poll_seconds: int
    deadline_minutes: int
    # Identity: headers are trusted only when the platform strips client copies.
    website_auth_enabled: bool
    local_dev_host: bool
    # Bounded work: every storage call gives up after this many seconds.
    storage_timeout_seconds: float
    # Bounded work: a durable client call (start, raise event) from an HTTP request gives up
    # after this many seconds (the SDK's own limit is 240 s), so the caller gets a 503.
    durable_client_timeout_seconds: float = 15.0
    # The public Azure Retail Prices API (no credential); locally the ARM simulator serves it.
    retail_prices_endpoint: str = AZURE_RETAIL_PRICES_ENDPOINT
    # ARM calls an HTTP request waits on (accept checks, the cluster list, preflight): short,
    # so a silent ARM costs the caller seconds (503 arm_unavailable), not minutes.
    arm_request_patience: ArmPatience = REQUEST_PATIENCE
    # ARM calls of activities (submit, poll, abort): they may wait; the orchestration retries.
    arm_workflow_patience: ArmPatience = WORKFLOW_PATIENCE
    # Bulkheads: threads for requests that wait on ARM (full: 503 busy, never a queue), and
    # separate threads for storage-only requests, so a hung ARM never slows reading a task.
    arm_request_workers: int = 8
    storage_request_workers: int = 16
    # Cost guardrails (README "Cost guardrails"): their table, how long one guardrail minute
    # lasts (idle windows and extensions; 1 s makes a 15-minute idle rule take 15 s locally),
    # how often a guarded cluster is checked, and the node CPU under which it counts as idle.
    guardrails_table_name: str = "Guardrails"
    guardrail_minute_seconds: float = 60.0
    guardrail_check_seconds: int = 300
    guardrail_idle_cpu_percent: float = 5.0

    @property
    def uses_arm_simulator(self) -> bool:
        """True when ARM calls go to the local simulator, not Azure."""
        return self.arm_endpoint.rstrip("/") != AZURE_ARM_ENDPOINT

    @property
    def accept_window_seconds(self) -> float:
        """How long an accepted task may go without its workflow: the accept's own bound.

        An accept claims, inserts (each within the storage budget, 2 x timeout + 1 s) and
        starts the orchestration (within the durable client timeout). A task older than
        this whose orchestration does not exist never will: its claim may be taken.
        """
        storage_budget = 2 * self.storage_timeout_seconds + 1
        return self.durable_client_timeout_seconds + 2 * storage_budget

    @property
    def identity_headers_trusted(self) -> bool:
        """True when a platform (Easy Auth or the local host) injects identity."""
        return self.website_auth_enabled or self.local_dev_host


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"setting {name} must be an integer, got {raw!r}") from exc
    if not low <= value <= high:
        raise SettingsError(f"setting {name} must be between {low} and {high}, got {value}")
    return value


def _float(
    name: str, default: float, low: float = float("-inf"), high: float = float("inf")
) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"setting {name} must be a number, got {raw!r}") from exc
    if not low <= value <= high:
        raise SettingsError(f"setting {name} must be between {low:g} and {high:g}, got {raw}")
    return value


def load_settings() -> Settings:
    """Read settings from the environment, failing fast with the missing name."""
    conn = os.environ.get("AzureWebJobsStorage", "").strip() or None
    table_uri = os.environ.get("AzureWebJobsStorage__tableServiceUri", "").strip() or None
    if conn is None and table_uri is None:
        raise SettingsError(
            "setting AzureWebJobsStorage (connection string) or "
            "AzureWebJobsStorage__tableServiceUri (identity-based) is required"
        )
    subscription_id = os.environ.get("AZURE_SUBSCRIPTION_ID", "").strip()
    if not subscription_id:
        raise SettingsError("setting AZURE_SUBSCRIPTION_ID is required")
    local_dev_host = _flag("LOCAL_DEV_HOST")
    return Settings(
        storage_connection_string=conn,
        table_service_uri=table_uri,
        jobstate_table_name=os.environ.get("JOBSTATE_TABLE_NAME", "").strip() or "JobState",
        subscription_id=subscription_id,
        arm_endpoint=os.environ.get("ARM_ENDPOINT", "").strip() or AZURE_ARM_ENDPOINT,
        arm_ca_bundle=os.environ.get("ARM_CA_BUNDLE", "").strip() or None,
        tenant_id=os.environ.get("AZURE_TENANT_ID", "").strip(),
        managed_identity_client_id=os.environ.get("AZURE_CLIENT_ID", "").strip() or None,
        poll_seconds=_int("PROVISION_POLL_SECONDS", 1 if local_dev_host else 15, 1, 600),
        deadline_minutes=_int("PROVISION_DEADLINE_MINUTES", 45, 1, 24 * 60),
        website_auth_enabled=_flag("WEBSITE_AUTH_ENABLED"),
        local_dev_host=local_dev_host,
        storage_timeout_seconds=_float("STORAGE_TIMEOUT_SECONDS", 5.0),
        durable_client_timeout_seconds=_float("DURABLE_CLIENT_TIMEOUT_SECONDS", 15.0),
        retail_prices_endpoint=os.environ.get("RETAIL_PRICES_ENDPOINT", "").strip()
        or AZURE_RETAIL_PRICES_ENDPOINT,
        arm_request_patience=ArmPatience(
            connect_timeout_seconds=_float(
                "ARM_REQUEST_CONNECT_TIMEOUT_SECONDS", REQUEST_PATIENCE.connect_timeout_seconds
            ),
            read_timeout_seconds=_float(
                "ARM_REQUEST_READ_TIMEOUT_SECONDS", REQUEST_PATIENCE.read_timeout_seconds
            ),
            retries=_int("ARM_REQUEST_RETRIES", REQUEST_PATIENCE.retries, 0, 10),
        ),
        arm_workflow_patience=ArmPatience(
            connect_timeout_seconds=_float(
                "ARM_WORKFLOW_CONNECT_TIMEOUT_SECONDS", WORKFLOW_PATIENCE.connect_timeout_seconds
            ),
            read_timeout_seconds=_float(
                "ARM_WORKFLOW_READ_TIMEOUT_SECONDS", WORKFLOW_PATIENCE.read_timeout_seconds
            ),
            retries=_int("ARM_WORKFLOW_RETRIES", WORKFLOW_PATIENCE.retries, 0, 10),
        ),
        arm_request_workers=_int("ARM_REQUEST_WORKERS", 8, 1, 64),
        storage_request_workers=_int("STORAGE_REQUEST_WORKERS", 16, 1, 64),
        guardrails_table_name=os.environ.get("GUARDRAILS_TABLE_NAME", "").strip() or "Guardrails",
        guardrail_minute_seconds=_float("GUARDRAIL_MINUTE_SECONDS", 60.0, 0.1, 3600.0),
        guardrail_check_seconds=_int("GUARDRAIL_CHECK_SECONDS", 300, 1, 24 * 3600),
        guardrail_idle_cpu_percent=_float("GUARDRAIL_IDLE_CPU_PERCENT", 5.0, 0.0, 100.0),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Cached settings for this process (tests call get_settings.cache_clear())."""
    return load_settings()
