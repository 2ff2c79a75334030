"""Response shapes and the one place where domain errors become HTTP errors."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func

from provisioning.attempts import (
    ActiveAttemptExists,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NotCancellable,
    NotDeletable,
    NotDismissable,
    TaskNotFound,
)
from provisioning.cross_site import (
    STATE_CHANGING_METHODS,
    CrossOriginRequest,
    UnsupportedMediaType,
    check_state_changing_request,
)
from provisioning.identity import IdentityError, Principal, principal_from_headers
from provisioning.settings import SettingsError, get_settings
from provisioning.table_clients import StorageUnavailable
from provisioning.validation import RequestValidationError

logger = logging.getLogger(__name__)

JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def json_response(body: Any, status: int = 200) -> func.HttpResponse:
    """A JSON answer (every endpoint answers JSON)."""
    return func.HttpResponse(
        json.dumps(body), status_code=status, mimetype="application/json", headers=JSON_HEADERS
    )


def error_response(
    status: int, code: str, message: str, **extra: Any
) -> func.HttpResponse:
    """The contract's error shape: {"error": {"code", "message", ...}}."""
    return json_response({"error": {"code": code, "message": message, **extra}}, status)


def caller(req: func.HttpRequest) -> Principal:
    """The signed-in caller, from the platform's principal header only (never the body)."""
    settings = get_settings()
    return principal_from_headers(req.headers, trusted=settings.identity_headers_trusted)


def error_to_response(exc: Exception) -> func.HttpResponse:
    """Map a domain exception to the contract's error answer."""
    if isinstance(exc, IdentityError):
        return error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, CrossOriginRequest):
        return error_response(403, "cross_origin", str(exc))
    if isinstance(exc, UnsupportedMediaType):
        return error_response(415, "unsupported_media_type", str(exc))
    if isinstance(exc, RequestValidationError):
        return error_response(400, "invalid_request", exc.message, field=exc.field)
    if isinstance(exc, IdempotencyKeyReused):
        return error_response(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request; "
            "send a new key for a new request.",
        )
    if isinstance(exc, IdempotencyKeyInProgress):
        return error_response(
            409,
            "idempotency_key_in_progress",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        )
    if isinstance(exc, TaskNotFound):
        return error_response(404, "not_found", "No such task.")
    if isinstance(exc, ActiveAttemptExists):
        return error_response(
            409,
            "attempt_in_progress",
            "An attempt for this resource group and cluster name is still running; "
            "wait for it or stop it first.",
            task_id=exc.task_id,
        )
    if isinstance(exc, NotDeletable):
        return error_response(409, "not_deletable", str(exc))
    if isinstance(exc, NotCancellable):
        return error_response(409, "not_cancellable", str(exc))
    if isinstance(exc, NotDismissable):
        return error_response(409, "not_dismissable", str(exc))
    if isinstance(exc, StorageUnavailable):
        logger.warning("storage unavailable: %s", exc)
        return error_response(
            503, "storage_unavailable", "Attempt storage is unavailable; try again shortly."
        )
    if isinstance(exc, SettingsError):
        logger.error("configuration problem: %s", exc)
        return error_response(503, "not_configured", "The service is not configured.")
    logger.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal_error", "Unexpected error.")


HANDLED = (
    CrossOriginRequest,
    UnsupportedMediaType,
    IdentityError,
    RequestValidationError,
    IdempotencyKeyReused,
    IdempotencyKeyInProgress,
    TaskNotFound,
    ActiveAttemptExists,
    NotDeletable,
    NotCancellable,
    NotDismissable,
    StorageUnavailable,
    SettingsError,
)


def refuse_cross_site(req: func.HttpRequest) -> None:
    """Every state-changing request must be same-origin and send JSON bodies (DESIGN §7).

    Runs before identity: a cross-site POST is refused whoever the browser is signed in as.
    """
    if req.method.upper() not in STATE_CHANGING_METHODS:
        return
    check_state_changing_request(
        req.method,
        req.url,
        req.headers,
        req.get_body() or b"",
        behind_trusted_proxy=get_settings().website_auth_enabled,
    )


def _request_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> func.HttpRequest | None:
    """The handler's HttpRequest argument, wherever the binding put it."""
    return next(
        (v for v in (*args, *kwargs.values()) if isinstance(v, func.HttpRequest)), None
    )


def answers_errors(
    handler: Callable[..., func.HttpResponse],
) -> Callable[..., func.HttpResponse]:
    """Decorate a sync handler: cross-site defence first, then domain errors become answers."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            req = _request_of(args, kwargs)
            if req is not None:
                refuse_cross_site(req)
            return handler(*args, **kwargs)
        except HANDLED as exc:
            return error_to_response(exc)

    return wrapper


def answers_errors_async(
    handler: Callable[..., Awaitable[func.HttpResponse]],
) -> Callable[..., Awaitable[func.HttpResponse]]:
    """Decorate an async handler: cross-site defence first, then domain errors become answers."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            req = _request_of(args, kwargs)
            if req is not None:
                refuse_cross_site(req)
            return await handler(*args, **kwargs)
        except HANDLED as exc:
            return error_to_response(exc)

    return wrapper


def task_urls(task_id: str) -> dict[str, str]:
    """Where to follow and stop a task."""
    return {"status_url": f"/api/tasks/{task_id}", "cancel_url": f"/api/tasks/{task_id}/cancel"}
