"""Response shapes and the one place where domain errors become HTTP errors."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import azure.functions as func

if TYPE_CHECKING:
    from api.error_specs import ErrorSpec
    from provisioning.access.identity import Principal

# Domain modules (identity, settings, cross-site rules, the error table) are imported where
# they are first used, not here: every handler module imports this one at cold start.

logger = logging.getLogger(__name__)

JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """A JSON answer (every endpoint answers JSON)."""
    return func.HttpResponse(
        json.dumps(body),
        status_code=status,
        mimetype="application/json",
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_response(status: int, code: str, message: str, **extra: Any) -> func.HttpResponse:
    """The contract's error shape: {"error": {"code", "message", ...}}."""
    return json_response({"error": {"code": code, "message": message, **extra}}, status)


def caller(req: func.HttpRequest) -> Principal:
    """The signed-in caller, from the platform's principal header only (never the body)."""
    from provisioning.access.identity import principal_from_headers
    from provisioning.settings import get_settings

    settings = get_settings()
    return principal_from_headers(req.headers, trusted=settings.identity_headers_trusted)


def error_to_response(exc: Exception) -> func.HttpResponse:
    """Map a domain exception to the contract's error answer (api.error_specs)."""
    from api.error_specs import spec_for

    spec = spec_for(exc)
    if spec is None:
        logger.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "Unexpected error.")
    _log_if_operators_care(spec, exc)
    return json_response({"error": spec.body(exc)}, spec.status, spec.headers(exc))


def _answerable(exc: Exception) -> Exception | None:
    """`exc` if the contract has an answer for it; ARM's silence becomes arm_unavailable."""
    from api.error_specs import spec_for
    from provisioning.errors.arm_unavailable import arm_unavailable_for

    if spec_for(exc) is not None:
        return exc
    return arm_unavailable_for(exc)


def _log_if_operators_care(spec: ErrorSpec, exc: Exception) -> None:
    """Storage and configuration faults are logged; a caller's mistake is not."""
    if spec.log_level is not None:
        logger.log(spec.log_level, "%s: %s", spec.log_as, exc)


def refuse_cross_site(req: func.HttpRequest) -> None:
    """Every state-changing request must be same-origin and send JSON bodies (docs/architecture.md).

    Runs before identity: a cross-site POST is refused whoever the browser is signed in as.
    """
    from provisioning.access.cross_site import STATE_CHANGING_METHODS, check_state_changing_request
    from provisioning.settings import get_settings

    if req.method.upper() not in STATE_CHANGING_METHODS:
        return
    check_state_changing_request(
        req.method,
        req.url,
        req.headers,
        req.get_body() or b"",
        behind_trusted_proxy=get_settings().website_auth_enabled,
    )


def refuse_cross_site_or_answer(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> func.HttpResponse | None:
    """The refusal of a cross-site or non-JSON state-changing request, else None.

    api.blueprint applies it to every state-changing route as it is registered.
    """
    from provisioning.access.cross_site import CrossOriginRequest, UnsupportedMediaType

    req = next((v for v in (*args, *kwargs.values()) if isinstance(v, func.HttpRequest)), None)
    if req is None:
        return None
    try:
        refuse_cross_site(req)
    except (CrossOriginRequest, UnsupportedMediaType) as exc:
        return error_to_response(exc)
    return None


def answers_errors(
    handler: Callable[..., func.HttpResponse],
) -> Callable[..., func.HttpResponse]:
    """Decorate a sync handler: domain errors become the contract's answers."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            answerable = _answerable(exc)
            if answerable is None:
                raise
            return error_to_response(answerable)

    return wrapper


def answers_errors_async(
    handler: Callable[..., Awaitable[func.HttpResponse]],
) -> Callable[..., Awaitable[func.HttpResponse]]:
    """Decorate an async handler: domain errors become the contract's answers."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            return await handler(*args, **kwargs)
        except Exception as exc:
            answerable = _answerable(exc)
            if answerable is None:
                raise
            return error_to_response(answerable)

    return wrapper


def task_urls(task_id: str) -> dict[str, str]:
    """Where to follow and stop a task."""
    return {"status_url": f"/api/tasks/{task_id}", "cancel_url": f"/api/tasks/{task_id}/cancel"}
