"""Reading an ARM SDK exception: the error's code, message and target, or the network fault.

azure-core parses the response body into `HttpResponseError.error` (it unwraps the
`{"error": {...}}` envelope and also accepts a bare `{code, message}`), so this reads only
that object's attributes and its nested `details`, falling back to the exception text. Every
reader is total: odd bodies give empty fields, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioning.errors.arm_rules import GENERIC_CODES
from provisioning.errors.text import exception_text

MAX_DETAIL_DEPTH = 3


@dataclass(frozen=True)
class ArmErrorFields:
    """What an HttpResponseError says: ARM's code, message and target (each may be missing)."""

    code: str | None
    message: str | None
    target: str | None


def http_error_fields(exc: Any) -> ArmErrorFields:
    """Code, message and target of an HttpResponseError, preferring a specific inner detail."""
    error = getattr(exc, "error", None)
    code = _attr_text(error, "code")
    message = _attr_text(error, "message")
    target = _attr_text(error, "target")
    if (code or "").lower() in GENERIC_CODES:
        inner = _specific_detail(getattr(error, "details", None), depth=0)
        if inner is not None:
            code = _attr_text(inner, "code")
            message = _attr_text(inner, "message") or message
            target = _attr_text(inner, "target") or target
    if not message:
        message = _attr_text(exc, "message") or exception_text(exc)
    return ArmErrorFields(code=code, message=message, target=target)


def network_fault_code(exc: BaseException, core_errors: Any) -> str | None:
    """'Timeout' or 'NetworkError' when ARM could not be reached at all, else None."""
    faults: tuple[tuple[type[BaseException], str], ...] = (
        (core_errors.ServiceRequestError, "NetworkError"),
        (core_errors.ServiceResponseError, "NetworkError"),  # its read timeouts included
        (TimeoutError, "Timeout"),
        (ConnectionError, "NetworkError"),
    )
    return next((code for kind, code in faults if isinstance(exc, kind)), None)


def _specific_detail(details: Any, depth: int) -> Any:
    """First error detail (searching nested details) whose code is not a generic wrapper."""
    if depth > MAX_DETAIL_DEPTH or not isinstance(details, list | tuple):
        return None
    for detail in details:
        detail_code = _attr_text(detail, "code")
        if detail_code and detail_code.lower() not in GENERIC_CODES:
            return detail
        nested = _specific_detail(getattr(detail, "details", None), depth + 1)
        if nested is not None:
            return nested
    return None


def _attr_text(obj: Any, name: str) -> str | None:
    """A non-empty string attribute, or None (SDK models may carry anything or nothing)."""
    value = getattr(obj, name, None) if obj is not None else None
    return value if isinstance(value, str) and value else None
