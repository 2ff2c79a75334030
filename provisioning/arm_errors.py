"""ARM failure classification: turn an error code and message into advice the user can act on.

Classification branches on the ARM error code and message patterns, never on the HTTP status
alone: a failed long-running operation arrives as status 200 with the real code in its body.
Every function here is total: any input gives a ClassifiedError, so reporting a failure can
never itself fail.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory
from provisioning.portal_links import (
    CREATE_RESOURCE_GROUP_URL,
    POLICY_ASSIGNMENTS_URL,
    access_control_url,
    quota_request_url,
)
from provisioning.product_errors import arm_unreachable_message

logger = logging.getLogger(__name__)

MAX_ERROR_MESSAGE_BYTES = 4096
MAX_ERROR_CODE_CHARS = 128
ELLIPSIS = "\u2026"
UNKNOWN_CODE = "UnknownError"

QUOTA_CODES = frozenset({"quotaexceeded", "errcode_insufficientvcpuquota"})
SKU_CODES = frozenset({"skunotavailable"})
REGION_CODES = frozenset({"locationnotavailableforresourcetype"})
CAPACITY_CODES = frozenset(
    {
        "allocationfailed",
        "zonalallocationfailed",
        "overconstrainedallocationrequest",
        "overconstrainedzonalallocationrequest",
    }
)
AUTHORIZATION_CODES = frozenset({"authorizationfailed", "linkedauthorizationfailed"})
CREDENTIAL_CODES = frozenset(
    {
        "authenticationfailed",
        "invalidauthenticationtoken",
        "invalidauthenticationtokentenant",
        "expiredauthenticationtoken",
    }
)
POLICY_CODES = frozenset({"requestdisallowedbypolicy"})
INVALID_REQUEST_CODES = frozenset(
    {
        "invalidparameter",
        "invalidresourcename",
        "invalidresourcegroup",
        "k8sversionnotsupported",
        "agentpoolk8sversionnotsupported",
        "invalidrequestcontent",
        "invalidrequestformat",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "toomanyrequests",
        "internalservererror",
        "internaloperationerror",
        "serviceunavailable",
        "gatewaytimeout",
        "badgateway",
        "requesttimeout",
        "retryableerror",
        "anotheroperationinprogress",
        "networkerror",
        "timeout",
    }
)
CONFLICT_CODES = frozenset({"conflict", "resourceexists", "resourcealreadyexists"})
CANCELLED_CODES = frozenset(
    {"canceled", "cancelled", "operationcanceled", "operationcancelled", "operationpreempted"}
)
# Failures that ARM reports after it accepted the create (node bootstrap, extensions): the
# request was fine, so another attempt may well succeed.
ASYNC_FAILURE_CODES = frozenset(
    {"vmextensionprovisioningerror", "createvmssagentpoolfailed", "reconcilevmssagentpoolfailed"}
)
# Wrapper codes that say nothing by themselves; the message (or inner details) decides.
GENERIC_CODES = frozenset(
    {
        "",
        "badrequest",
        "deploymentfailed",
        "invalidtemplatedeployment",
        "resourcedeploymentfailure",
        "operationfailed",
        "failed",
        "unknownerror",
    }
)

_QUOTA_TEXT = re.compile(r"quota|\bcores?\b|\bv?cpus?\b", re.IGNORECASE)
_IN_PROGRESS_TEXT = re.compile(r"in[ -]?progress|another operation", re.IGNORECASE)
_VM_SIZE_TEXT = re.compile(r"vm ?size|vmsize", re.IGNORECASE)
_VM_SIZE_NOT_ALLOWED_TEXT = re.compile(
    r"vm ?size.{0,200}?not (?:allowed|available)", re.IGNORECASE | re.DOTALL
)
_QUOTA_EXCEEDED_TEXT = re.compile(
    r"exceeding approved .{0,80}?quota|insufficient .{0,40}?quota|quota .{0,40}?exceeded",
    re.IGNORECASE | re.DOTALL,
)
_NAME_TEXT = re.compile(r"dns ?prefix|\bname\b|managedclustername|resourcename", re.IGNORECASE)
_URL = re.compile(r"https://[^\s'\"<>`]+")
_URL_TRAILING_PUNCTUATION = ".,;:!?)]}'\"\u2019\u201d"
_AUTH_ACTION_SCOPE = re.compile(
    r"to perform action '([^']{1,300})' over scope '([^']{1,1000})'", re.IGNORECASE
)
_LINKED_ACTION_SCOPE = re.compile(
    r"does not have permission to perform action\(s\) '([^']{1,300})' "
    r"on the linked scope\(s\) '([^']{1,1000})'",
    re.IGNORECASE,
)
_RESOURCE_GROUP_SCOPE = re.compile(r"/subscriptions/[^/\s']+/resourceGroups/[^/\s']+", re.I)
_SUBSCRIPTION_SCOPE = re.compile(r"/subscriptions/[^/\s']+", re.IGNORECASE)
_POLICY_ASSIGNMENT_NAME = re.compile(
    r'policyAssignment\\?"\s*:\s*\{\s*\\?"name\\?"\s*:\s*\\?"([^"\\]{1,200})'
)
_QUOTA_NUMBERS = {
    "current_limit": re.compile(r"Current Limit:\s*([0-9]{1,18})(?![0-9])", re.IGNORECASE),
    "current_usage": re.compile(r"Current Usage:\s*([0-9]{1,18})(?![0-9])", re.IGNORECASE),
    "additional_required": re.compile(
        r"Additional Required:\s*([0-9]{1,18})(?![0-9])", re.IGNORECASE
    ),
    "new_limit_required": re.compile(
        r"New Limit Required:\s*([0-9]{1,18})(?![0-9])", re.IGNORECASE
    ),
    "quota_left": re.compile(r"left regional vcpu quota\s*([0-9]{1,18})(?![0-9])", re.I),
    "quota_requested": re.compile(r"requested quota\s*([0-9]{1,18})(?![0-9])", re.IGNORECASE),
}

AKS_CONTRIBUTOR_ROLE = "Azure Kubernetes Service Contributor"
PORTAL_ACTION_LABEL = "Open cluster in Azure portal"
DELETE_ACTION_LABEL = "Delete partial cluster"


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
    code_text = _clean_code(code)
    message_text = _as_text(message)
    if not message_text.strip():
        message_text = (
            f"Azure reported {code_text} without a message "
            f"(region {_as_text(region) or 'unknown'}, VM size {_as_text(vm_size) or 'unknown'})."
        )
    try:
        category, retryable, actions = _classify(
            code_text.lower(),
            message_text,
            status=status if isinstance(status, int) else None,
            target=_as_text(target),
            subscription_id=_as_text(subscription_id),
            region=_as_text(region),
            resource_group=_as_text(resource_group),
        )
    except Exception:  # a classifier bug must not hide the failure it was reporting
        logger.exception("classifying ARM error %s failed; reporting it as unknown", code_text)
        category, retryable, actions = ErrorCategory.UNKNOWN, False, ()
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

    context: dict[str, Any] = {
        "subscription_id": subscription_id,
        "region": region,
        "vm_size": vm_size,
        "resource_group": resource_group,
    }
    try:
        if isinstance(exc, core_errors.HttpResponseError):
            code, message, target = _http_error_fields(exc)
            if not code and isinstance(exc, core_errors.ClientAuthenticationError):
                code = "AuthenticationFailed"
            status = getattr(exc, "status_code", None)
            return classify_arm_error(code, message, status=status, target=target, **context)
        network_code = _network_fault_code(exc, core_errors)
        if network_code:
            # The exception text names internal hosts and ports: log it, never store it.
            logger.warning("ARM %s: %s", network_code, _exception_text(exc))
            message = arm_unreachable_message(network_code)
            return classify_arm_error(network_code, message, status=None, **context)
    except Exception:  # never let classification replace the original failure
        logger.exception("reading %s failed; reporting it as unknown", type(exc).__name__)
    code = type(exc).__name__ if isinstance(exc, core_errors.AzureError) else "UnexpectedError"
    return ClassifiedError(
        code=_clean_code(code),
        category=ErrorCategory.UNKNOWN,
        message=cap_message(_exception_text(exc) or f"{type(exc).__name__} was raised."),
        retryable=False,
    )


def _network_fault_code(exc: BaseException, core_errors: Any) -> str | None:
    """"Timeout" or "NetworkError" when ARM could not be reached at all, else None."""
    if isinstance(exc, core_errors.ServiceRequestError | core_errors.ServiceResponseError):
        return "NetworkError"
    if isinstance(exc, TimeoutError):
        return "Timeout"
    if isinstance(exc, ConnectionError):
        return "NetworkError"
    return None


def cancelled_error(cluster_seen: bool, portal_url: str | None) -> ClassifiedError:
    """The error recorded when the user cancelled; warns if a cluster may have been left."""
    message = "The attempt was cancelled before it finished; nothing was created on Azure."
    actions: tuple[ErrorAction, ...] = ()
    if cluster_seen:
        # The dashboard already says "cancelled before it finished" for this case.
        message = (
            "Stopped while Azure was creating the cluster. The cluster resource may still "
            "exist: check it in the portal and delete it if you do not need it."
        )
        actions = partial_cluster_actions(portal_url)
    return ClassifiedError(
        code="Cancelled",
        category=ErrorCategory.CANCELLED,
        message=message,
        retryable=True,
        actions=actions,
    )


def deadline_error(minutes: int, portal_url: str | None = None) -> ClassifiedError:
    """The error recorded when the cluster was not ready in time (it may still be creating)."""
    actions: tuple[ErrorAction, ...] = ()
    if portal_url:
        actions = (ErrorAction(kind="portal", label=PORTAL_ACTION_LABEL, url=portal_url),)
    return ClassifiedError(
        code="DeadlineExceeded",
        category=ErrorCategory.UNKNOWN,
        message=(
            f"The cluster was not ready within {minutes} minutes. It may still be creating on "
            "Azure: check it in the portal before trying again."
        ),
        retryable=True,
        actions=actions,
    )


def partial_cluster_actions(portal_url: str | None) -> tuple[ErrorAction, ...]:
    """Actions for a cluster resource left behind: open it in the portal, delete it."""
    actions: list[ErrorAction] = []
    if portal_url:
        actions.append(ErrorAction(kind="portal", label=PORTAL_ACTION_LABEL, url=portal_url))
    actions.append(ErrorAction(kind="delete_cluster", label=DELETE_ACTION_LABEL, url=None))
    return tuple(actions)


def is_transient(classified: ClassifiedError) -> bool:
    """True when retrying the same call soon is expected to help (throttling, 5xx, busy)."""
    return classified.category is ErrorCategory.TRANSIENT


def cap_message(text: str, limit: int = MAX_ERROR_MESSAGE_BYTES) -> str:
    """Cap text to `limit` UTF-8 bytes, cut on a character boundary and marked with an ellipsis."""
    safe = _as_text(text)
    data = safe.encode("utf-8")
    if len(data) <= limit:
        return safe
    room = max(0, limit - len(ELLIPSIS.encode("utf-8")))
    return data[:room].decode("utf-8", errors="ignore") + ELLIPSIS


def parse_quota_numbers(message: str | None) -> dict[str, int]:
    """Numbers quoted in a quota error (current limit, usage, additional required, ...)."""
    text = _as_text(message)
    numbers: dict[str, int] = {}
    for name, pattern in _QUOTA_NUMBERS.items():
        found = pattern.search(text)
        if found:
            numbers[name] = int(found.group(1))
    return numbers


def quota_link(message: str | None, subscription_id: str, region: str) -> str:
    """The quota request link: the one Azure put in the message if any, else the quota page."""
    best_url, best_score = "", 0
    for url in _urls_in(_as_text(message)):
        lowered = url.lower()
        score = int("quota" in lowered)
        score += int(lowered.startswith(("https://aka.ms/", "https://portal.azure.com/")))
        if score > best_score:
            best_url, best_score = url, score
    return best_url or quota_request_url(subscription_id, region)


def _classify(
    code: str,
    message: str,
    *,
    status: int | None,
    target: str,
    subscription_id: str,
    region: str,
    resource_group: str,
) -> tuple[ErrorCategory, bool, tuple[ErrorAction, ...]]:
    """The decision table; `code` is lower-cased."""
    if code in QUOTA_CODES:
        return _quota(message, subscription_id, region)
    if code == "operationnotallowed":
        if _QUOTA_TEXT.search(message):
            return _quota(message, subscription_id, region)
        if _IN_PROGRESS_TEXT.search(message):
            return ErrorCategory.TRANSIENT, True, ()
        return ErrorCategory.CONFLICT, False, ()
    if code in SKU_CODES:
        return _sku()
    if code == "invalidparameter" and (_VM_SIZE_TEXT.search(target) or _mentions_vm_size(message)):
        return _sku()
    if code in INVALID_REQUEST_CODES:
        if _NAME_TEXT.search(target) or _NAME_TEXT.search(message):
            label = "Choose another cluster name"
        else:
            label = "Edit the request"
        return ErrorCategory.INVALID_REQUEST, False, (ErrorAction(kind="edit", label=label),)
    if code in REGION_CODES:
        return (
            ErrorCategory.REGION,
            False,
            (ErrorAction(kind="edit", label="Choose another region"),),
        )
    if code in CAPACITY_CODES:
        return (
            ErrorCategory.REGION,
            True,
            (ErrorAction(kind="edit", label="Try another region or VM size"),),
        )
    if code in AUTHORIZATION_CODES:
        return ErrorCategory.PERMISSION, False, (_role_action(message, subscription_id),)
    if code in CREDENTIAL_CODES:
        return ErrorCategory.PERMISSION, False, ()
    if code in POLICY_CODES:
        return ErrorCategory.PERMISSION, False, (_policy_action(message),)
    if code == "resourcegroupnotfound":
        action = ErrorAction(
            kind="link", label="Create the resource group", url=CREATE_RESOURCE_GROUP_URL
        )
        return ErrorCategory.INVALID_REQUEST, False, (action,)
    if code in TRANSIENT_CODES:
        return ErrorCategory.TRANSIENT, True, ()
    if code in CONFLICT_CODES:
        if _IN_PROGRESS_TEXT.search(message):
            return ErrorCategory.TRANSIENT, True, ()
        return ErrorCategory.CONFLICT, False, ()
    if code in CANCELLED_CODES:
        return ErrorCategory.CANCELLED, True, ()
    if code in ASYNC_FAILURE_CODES or "vmextension" in code:
        return ErrorCategory.UNKNOWN, True, ()
    if code in GENERIC_CODES:
        if _QUOTA_EXCEEDED_TEXT.search(message):
            return _quota(message, subscription_id, region)
        if _VM_SIZE_NOT_ALLOWED_TEXT.search(message):
            return _sku()
    return ErrorCategory.UNKNOWN, _status_suggests_retry(status), ()


def _quota(
    message: str, subscription_id: str, region: str
) -> tuple[ErrorCategory, bool, tuple[ErrorAction, ...]]:
    url = quota_link(message, subscription_id, region)
    return (
        ErrorCategory.QUOTA,
        False,
        (ErrorAction(kind="link", label=quota_action_label(message), url=url),),
    )


def quota_action_label(message: str | None) -> str:
    """'Request quota increase', with the limit Azure says is needed when it says so."""
    numbers = parse_quota_numbers(message)
    if "current_limit" in numbers and "new_limit_required" in numbers:
        return (
            f"Request quota increase (limit {numbers['current_limit']}, "
            f"needs {numbers['new_limit_required']})"
        )
    return "Request quota increase"


def _sku() -> tuple[ErrorCategory, bool, tuple[ErrorAction, ...]]:
    return ErrorCategory.SKU, False, (ErrorAction(kind="edit", label="Choose another VM size"),)


def _mentions_vm_size(message: str) -> bool:
    return bool(_VM_SIZE_TEXT.search(message))


def _role_action(message: str, subscription_id: str) -> ErrorAction:
    """Name the missing permission and link to the IAM page of the scope that lacks it."""
    linked = _LINKED_ACTION_SCOPE.search(message)
    found = linked or _AUTH_ACTION_SCOPE.search(message)
    action_name, scope = (found.group(1), found.group(2)) if found else ("", "")
    if not action_name or action_name.lower().startswith("microsoft.containerservice/"):
        label = f"Ask for the {AKS_CONTRIBUTOR_ROLE} role"
        if action_name:
            label += f" (missing permission: {action_name})"
    else:
        label = f"Ask for a role that allows {action_name}"
    rg_scope = _RESOURCE_GROUP_SCOPE.search(scope)
    sub_scope = _SUBSCRIPTION_SCOPE.search(scope)
    if rg_scope:
        url: str | None = access_control_url(rg_scope.group(0))
    elif sub_scope:
        url = access_control_url(sub_scope.group(0))
    elif subscription_id and "/" not in subscription_id:
        url = access_control_url(f"/subscriptions/{subscription_id}")
    else:
        url = None
    return ErrorAction(kind="link", label=label, url=url)


def _policy_action(message: str) -> ErrorAction:
    found = _POLICY_ASSIGNMENT_NAME.search(message)
    if found:
        label = f"Ask an administrator about the Azure Policy '{found.group(1)}'"
    else:
        label = "Ask an administrator about the Azure Policy that blocks this request"
    return ErrorAction(kind="link", label=label, url=POLICY_ASSIGNMENTS_URL)


def _status_suggests_retry(status: int | None) -> bool:
    return status is not None and (status == 429 or 500 <= status <= 599)


def _urls_in(message: str) -> Iterable[str]:
    for match in _URL.finditer(message):
        url = match.group(0).rstrip(_URL_TRAILING_PUNCTUATION)
        if len(url) > len("https://"):
            yield url


def _http_error_fields(exc: Any) -> tuple[str | None, str | None, str | None]:
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
        message = _attr_text(exc, "message") or _exception_text(exc)
    return code, message, target


def _specific_detail(details: Any, depth: int) -> Any:
    """First error detail (searching nested details) whose code is not a generic wrapper."""
    if depth > 3 or not isinstance(details, list | tuple):
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
    value = getattr(obj, name, None) if obj is not None else None
    return value if isinstance(value, str) and value else None


def _exception_text(exc: BaseException) -> str:
    try:
        return _as_text(str(exc))
    except Exception:  # a broken __str__ must not break error reporting
        logger.exception("str() of %s failed", type(exc).__name__)
        return type(exc).__name__


def _clean_code(code: object) -> str:
    text = _as_text(code).strip()
    return text[:MAX_ERROR_CODE_CHARS] if text else UNKNOWN_CODE


def _as_text(value: object) -> str:
    """Any value as storable text: None is empty, lone surrogates become '?'."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", errors="replace").decode("utf-8")
