"""ARM failure classification: turn an error code and message into advice the user can act on.

Classification branches on the ARM error code and message patterns, never on the HTTP status
alone: a failed long-running operation arrives as status 200 with the real code in its body.
Every function here is total: any input gives a ClassifiedError, so reporting a failure can
never itself fail. What each code means is the rule table in `arm_error_rules`; reading the
SDK's exception is `arm_error_fields`; the product's own failures are `product_errors`.
"""

from __future__ import annotations

import logging

from provisioning.errors.advice import ArmErrorFacts
from provisioning.errors.arm_fields import http_error_fields, network_fault_code
from provisioning.errors.arm_rules import first_matching_rule
from provisioning.errors.product import arm_unreachable_message
from provisioning.errors.text import as_text, cap_message, clean_code, exception_text
from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory

logger = logging.getLogger(__name__)

__all__ = ["classify_arm_error", "classify_exception", "is_transient"]

Verdict = tuple[ErrorCategory, bool, tuple[ErrorAction, ...]]


def classify_arm_error(
    code: str | None,
    message: str | None,
    *,
    status: int | None,
    subscription_id: str,
    region: str,
    vm_size: str,
    resource_group: str = "",
    target: str | None = None,
) -> ClassifiedError:
    """Classify one ARM error (code, message, optional target) into category, retry and advice."""
    code_text = clean_code(code)
    message_text = as_text(message)
    if not message_text.strip():
        message_text = (
            f"Azure reported {code_text} without a message "
            f"(region {as_text(region) or 'unknown'}, VM size {as_text(vm_size) or 'unknown'})."
        )
    facts = ArmErrorFacts(
        code=code_text.lower(),
        message=message_text,
        target=as_text(target),
        subscription_id=as_text(subscription_id),
        region=as_text(region),
        resource_group=as_text(resource_group),
    )
    category, retryable, actions = _verdict(facts, status if isinstance(status, int) else None)
    return ClassifiedError(
        code=code_text,
        category=category,
        message=cap_message(message_text),
        retryable=retryable,
        actions=actions,
    )


def classify_exception(
    exc: BaseException,
    *,
    subscription_id: str,
    region: str,
    vm_size: str,
    resource_group: str = "",
) -> ClassifiedError:
    """Classify an exception raised by the ARM SDK (or the network under it)."""
    from azure.core import exceptions as core_errors  # lazy: keeps function_app import light

    context = {
        "subscription_id": subscription_id,
        "region": region,
        "vm_size": vm_size,
        "resource_group": resource_group,
    }
    try:
        if isinstance(exc, core_errors.HttpResponseError):
            fields = http_error_fields(exc)
            code = fields.code
            if not code and isinstance(exc, core_errors.ClientAuthenticationError):
                code = "AuthenticationFailed"
            status = getattr(exc, "status_code", None)
            return classify_arm_error(
                code, fields.message, status=status, target=fields.target, **context
            )
        network_code = network_fault_code(exc, core_errors)
        if network_code:
            # The exception text names internal hosts and ports: log it, never store it.
            logger.warning("ARM %s: %s", network_code, exception_text(exc))
            message = arm_unreachable_message(network_code)
            return classify_arm_error(network_code, message, status=None, **context)
    except Exception:  # never let classification replace the original failure
        logger.exception("reading %s failed; reporting it as unknown", type(exc).__name__)
    return _unclassified(exc, core_errors.AzureError)


def is_transient(classified: ClassifiedError) -> bool:
    """True when retrying the same call soon is expected to help (throttling, 5xx, busy)."""
    return classified.category is ErrorCategory.TRANSIENT


def _verdict(facts: ArmErrorFacts, status: int | None) -> Verdict:
    """The first matching rule's verdict; unknown codes retry only on throttling or 5xx."""
    try:
        rule = first_matching_rule(facts)
        if rule is None:
            return ErrorCategory.UNKNOWN, _status_suggests_retry(status), ()
        return rule.category, rule.retryable, rule.advice(facts)
    except Exception:  # a classifier bug must not hide the failure it was reporting
        logger.exception("classifying ARM error %s failed; reporting it as unknown", facts.code)
        return ErrorCategory.UNKNOWN, False, ()


def _unclassified(exc: BaseException, azure_error: type[BaseException]) -> ClassifiedError:
    """An exception that is not an ARM answer nor a network fault: unknown, not retried."""
    code = type(exc).__name__ if isinstance(exc, azure_error) else "UnexpectedError"
    return ClassifiedError(
        code=clean_code(code),
        category=ErrorCategory.UNKNOWN,
        message=cap_message(exception_text(exc) or f"{type(exc).__name__} was raised."),
        retryable=False,
    )


def _status_suggests_retry(status: int | None) -> bool:
    """Throttling (429) or a server error (5xx) may pass; anything else will not."""
    return status is not None and (status == 429 or 500 <= status <= 599)
