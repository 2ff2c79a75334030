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
    NotCancellable,
    NotDeletable,
    NotDismissable,
    TaskNotFound,
)
from provisioning.identity import IdentityError, Principal, principal_from_headers
from provisioning.jobstate_repository import StorageUnavailable
from provisioning.settings import SettingsError, get_settings
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
    if isinstance(exc, RequestValidationError):
        return error_response(400, "invalid_request", exc.message, field=exc.field)
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
    IdentityError,
    RequestValidationError,
    TaskNotFound,
    ActiveAttemptExists,
    NotDeletable,
    NotCancellable,
    NotDismissable,
    StorageUnavailable,
    SettingsError,
)


def answers_errors(
    handler: Callable[..., func.HttpResponse],
) -> Callable[..., func.HttpResponse]:
    """Decorate a sync handler so domain errors become contract errors."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            return handler(*args, **kwargs)
        except HANDLED as exc:
            return error_to_response(exc)

    return wrapper


def answers_errors_async(
    handler: Callable[..., Awaitable[func.HttpResponse]],
) -> Callable[..., Awaitable[func.HttpResponse]]:
    """Decorate an async handler so domain errors become contract errors."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            return await handler(*args, **kwargs)
        except HANDLED as exc:
            return error_to_response(exc)

    return wrapper


def task_urls(task_id: str) -> dict[str, str]:
    """Where to follow and stop a task."""
    return {"status_url": f"/api/tasks/{task_id}", "cancel_url": f"/api/tasks/{task_id}/cancel"}
