"""When Azure Resource Manager did not answer: a timeout, a refused connection, 429 or a 5xx.

Both sides of the product need this one rule. An HTTP request that needed ARM answers
503 `arm_unavailable` instead of 500 (nothing claimed or written); a workflow step that
needed ARM's word (a cancel's abort and re-read) waits and asks again instead of guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from provisioning.errors.arm_fields import network_fault_code
from provisioning.errors.product import ARM_SERVICE_NAME, arm_unreachable_message

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

THROTTLED = 429
# Roughly how long a caller should wait before asking again (sent as Retry-After).
ARM_RETRY_AFTER_SECONDS = 10


class ArmUnavailable(Exception):
    """ARM did not answer while a request waited on it (503 arm_unavailable); says which."""

    retry_after_seconds = ARM_RETRY_AFTER_SECONDS


def unanswered_code(exc: BaseException) -> str | None:
    """'Timeout', 'NetworkError', 'Throttled' or 'ServerError' when ARM gave no real answer."""
    from azure.core import exceptions as core_errors  # lazy: keeps function_app import light

    network = network_fault_code(exc, core_errors)
    if network is not None:
        return network
    status = getattr(exc, "status_code", None)
    if not isinstance(exc, core_errors.HttpResponseError) or not isinstance(status, int):
        return None
    if status == THROTTLED:
        return "Throttled"
    return "ServerError" if 500 <= status <= 599 else None


def arm_did_not_answer(exc: BaseException) -> bool:
    """True for a fault that says nothing about the cluster (ask again later), not a refusal."""
    return unanswered_code(exc) is not None


def arm_unavailable_for(exc: BaseException) -> ArmUnavailable | None:
    """The 503 a request answers for `exc`, or None when ARM did answer (a real refusal)."""
    code = unanswered_code(exc)
    if code is None:
        return None
    logger.warning("ARM did not answer a request (%s): %s", code, type(exc).__name__)
    if code in ("Timeout", "NetworkError"):
        return ArmUnavailable(arm_unreachable_message(code))
    status = getattr(exc, "status_code", None)
    return ArmUnavailable(
        f"{ARM_SERVICE_NAME} is unavailable right now (HTTP {status}); try again shortly."
    )


@contextmanager
def arm_must_answer() -> Iterator[None]:
    """Turn ARM's silence inside the block into ArmUnavailable; a real answer passes through."""
    try:
        yield
    except ArmUnavailable:
        raise
    except Exception as exc:
        unavailable = arm_unavailable_for(exc)
        if unavailable is None:
            raise
        raise unavailable from exc


def answered_by_arm(read: Callable[P, T]) -> Callable[P, T]:
    """`read`, raising ArmUnavailable when ARM does not answer it."""

    def reading(*args: P.args, **kwargs: P.kwargs) -> T:
        with arm_must_answer():
            return read(*args, **kwargs)

    return reading
