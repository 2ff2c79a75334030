"""Every error the API answers, as data: exception type → status, code, message, extra fields.

One table drives the mapping (`api.responses.error_to_response`), the OpenAPI error-code enum,
its per-status texts and its extra error fields (`api.openapi_schemas`, `api.openapi_document`),
so they cannot drift apart. To answer a new domain error, add one row here.

Loaded on the first error answer or the first OpenAPI request, never at cold start: it needs
the exception classes, and with them the domain modules that raise them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from api.bulkheads import Busy
from provisioning.access.cross_site import CrossOriginRequest, UnsupportedMediaType
from provisioning.access.identity import IdentityError
from provisioning.clusters.credentials import (
    AzureUnavailable,
    ClusterNotRunning,
    LocalAccountsEnabled,
)
from provisioning.errors.arm_unavailable import ArmUnavailable
from provisioning.guardrails.service import NothingToExtend
from provisioning.jobs.tables import StorageUnavailable
from provisioning.operations.attempts import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NotCancellable,
    NotDeletable,
    NotDismissable,
    OperationInProgress,
    TaskNotFound,
)
from provisioning.operations.change_rules import (
    AutoscaleEnabled,
    LastSystemPool,
    PoolExists,
    PoolNotFound,
)
from provisioning.operations.lifecycle import (
    ClusterNotFound,
    InvalidClusterState,
)
from provisioning.preflight.quota_gate import QuotaExceeded
from provisioning.requests.validation import RequestValidationError
from provisioning.settings import SettingsError


@dataclass(frozen=True)
class ErrorSpec:
    """How one exception type is answered: {"error": {"code", "message", *extra}} with status."""

    exception: type[Exception]
    status: int
    code: str
    # None: the exception's own text, which its raiser writes for the caller.
    message: str | None = None
    # Attributes of the exception copied into the error object (documented in OpenAPI).
    extra: tuple[str, ...] = ()
    # Answers an operator should hear about are logged at this level, prefixed with log_as.
    log_level: int | None = None
    log_as: str = ""
    # Send Retry-After from the exception's `retry_after_seconds` (a wait that will pass).
    retry_after: bool = False

    def body(self, exc: Exception) -> dict[str, Any]:
        """The contract's error object for `exc`."""
        extra = {name: getattr(exc, name) for name in self.extra}
        return {"code": self.code, "message": self.message or str(exc), **extra}

    def headers(self, exc: Exception) -> dict[str, str]:
        """Extra response headers for `exc` (Retry-After for a wait that will pass)."""
        seconds = getattr(exc, "retry_after_seconds", None) if self.retry_after else None
        return {"Retry-After": str(int(seconds))} if seconds else {}


def _family(root: type[IdentityError]) -> Iterator[type[IdentityError]]:
    """`root` and every subclass of it, depth first."""
    yield root
    for child in root.__subclasses__():
        yield from _family(child)


def _identity_specs() -> tuple[ErrorSpec, ...]:
    """Identity errors carry their own status and code (access.identity): one row each."""
    return tuple(ErrorSpec(kind, kind.status, kind.code) for kind in _family(IdentityError))


ERROR_SPECS: tuple[ErrorSpec, ...] = (
    *_identity_specs(),
    ErrorSpec(CrossOriginRequest, 403, "cross_origin"),
    ErrorSpec(UnsupportedMediaType, 415, "unsupported_media_type"),
    ErrorSpec(RequestValidationError, 400, "invalid_request", extra=("field",)),
    ErrorSpec(
        IdempotencyKeyReused,
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request; "
        "send a new key for a new request.",
    ),
    ErrorSpec(
        IdempotencyKeyInProgress,
        409,
        "idempotency_key_in_progress",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    ),
    ErrorSpec(TaskNotFound, 404, "not_found", "No such task."),
    ErrorSpec(ClusterNotFound, 404, "not_found", "No such cluster."),
    ErrorSpec(OperationInProgress, 409, "operation_in_progress", extra=("task_id",)),
    ErrorSpec(InvalidClusterState, 409, "invalid_state"),
    ErrorSpec(PoolNotFound, 404, "not_found", "No such node pool."),
    ErrorSpec(PoolExists, 409, "pool_exists"),
    ErrorSpec(LastSystemPool, 409, "last_system_pool"),
    ErrorSpec(AutoscaleEnabled, 409, "autoscale_enabled"),
    ErrorSpec(QuotaExceeded, 409, "quota_exceeded", extra=("actions", "quota")),
    ErrorSpec(LocalAccountsEnabled, 409, "local_accounts_enabled"),
    ErrorSpec(ClusterNotRunning, 409, "not_running"),
    ErrorSpec(
        AzureUnavailable,
        503,
        "azure_unavailable",
        log_level=logging.WARNING,
        log_as="azure unavailable",
    ),
    ErrorSpec(NotDeletable, 409, "not_deletable"),
    ErrorSpec(
        NothingToExtend,
        409,
        "nothing_to_extend",
        "No automatic stop is coming for this cluster, so there is nothing to extend.",
    ),
    ErrorSpec(NotCancellable, 409, "not_cancellable"),
    ErrorSpec(NotDismissable, 409, "not_dismissable"),
    ErrorSpec(
        StorageUnavailable,
        503,
        "storage_unavailable",
        "Attempt storage is unavailable; try again shortly.",
        log_level=logging.WARNING,
        log_as="storage unavailable",
    ),
    ErrorSpec(
        ArmUnavailable,
        503,
        "arm_unavailable",
        log_level=logging.WARNING,
        log_as="ARM unavailable",
        retry_after=True,
    ),
    ErrorSpec(Busy, 503, "busy", log_level=logging.WARNING, log_as="busy", retry_after=True),
    ErrorSpec(
        SettingsError,
        503,
        "not_configured",
        "The service is not configured.",
        log_level=logging.ERROR,
        log_as="configuration problem",
    ),
)

# Codes a handler answers itself, not from an exception: code → status.
ORCHESTRATION_UNAVAILABLE = "orchestration_unavailable"  # api.orchestration_start
HANDLER_ERROR_CODES: dict[str, int] = {ORCHESTRATION_UNAVAILABLE: 503}

SPECS_BY_TYPE: dict[type[Exception], ErrorSpec] = {spec.exception: spec for spec in ERROR_SPECS}
HANDLED: tuple[type[Exception], ...] = tuple(SPECS_BY_TYPE)


def _statuses_by_code() -> dict[str, int]:
    """Every contract error code with its status (500 is never part of the contract)."""
    found = {spec.code: spec.status for spec in ERROR_SPECS}
    return {**found, **HANDLER_ERROR_CODES}


STATUS_BY_CODE: dict[str, int] = _statuses_by_code()
ERROR_CODES: tuple[str, ...] = tuple(STATUS_BY_CODE)


def spec_for(exc: BaseException) -> ErrorSpec | None:
    """The row for the most specific class of `exc` that has one, or None (not ours to map)."""
    return next((SPECS_BY_TYPE[kind] for kind in type(exc).__mro__ if kind in SPECS_BY_TYPE), None)


def codes_for_status(status: int) -> list[str]:
    """The contract error codes answered with `status`, in table order."""
    return [code for code, answered in STATUS_BY_CODE.items() if answered == status]


def extra_fields() -> dict[str, list[str]]:
    """Each extra error field and the codes that carry it."""
    carried: dict[str, list[str]] = {}
    for spec in ERROR_SPECS:
        for name in spec.extra:
            carried.setdefault(name, []).append(spec.code)
    return carried
