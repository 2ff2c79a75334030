"""Error text as the task document stores it: any value made storable, codes and messages capped.

Shared by every producer of a ClassifiedError (ARM classification, the product's own failures,
the job state), so a stored error is bounded no matter where it came from.
"""

from __future__ import annotations

import logging
import re
from functools import cache

logger = logging.getLogger(__name__)

MAX_ERROR_MESSAGE_BYTES = 4096
MAX_ERROR_CODE_CHARS = 128
ELLIPSIS = "\u2026"
UNKNOWN_CODE = "UnknownError"


def as_text(value: object) -> str:
    """Any value as storable text: None is empty, lone surrogates become '?'."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", errors="replace").decode("utf-8")


def clean_code(code: object) -> str:
    """An error code fit to store: trimmed, capped, and never empty (a code is how we group)."""
    text = as_text(code).strip()
    return text[:MAX_ERROR_CODE_CHARS] if text else UNKNOWN_CODE


def cap_message(text: str, limit: int = MAX_ERROR_MESSAGE_BYTES) -> str:
    """Cap text to `limit` UTF-8 bytes, cut on a character boundary and marked with an ellipsis."""
    safe = as_text(text)
    data = safe.encode("utf-8")
    if len(data) <= limit:
        return safe
    room = max(0, limit - len(ELLIPSIS.encode("utf-8")))
    return data[:room].decode("utf-8", errors="ignore") + ELLIPSIS


def exception_text(exc: BaseException) -> str:
    """str(exc) as storable text; a broken __str__ gives the type name instead of a new failure."""
    try:
        return as_text(str(exc))
    except Exception:  # a broken __str__ must not break error reporting
        logger.exception("str() of %s failed", type(exc).__name__)
        return type(exc).__name__


@cache
def error_pattern(source: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """A regex over error text, compiled on first use so importing the app compiles nothing."""
    return re.compile(source, flags)
