"""Advice for a classified ARM error: the actions a rule row offers, built from the error's facts.

Each builder takes the facts of one error and returns its actions; the rule table
(`arm_error_rules`) names the builder per row. Builders read only the message Azure sent and
the request's context, so they are total: any text gives some advice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from provisioning.errors.text import as_text, error_pattern
from provisioning.models import ErrorAction
from provisioning.portal_links import (
    CREATE_RESOURCE_GROUP_URL,
    POLICY_ASSIGNMENTS_URL,
    access_control_url,
    quota_request_url,
)

AKS_CONTRIBUTOR_ROLE = "Azure Kubernetes Service Contributor"

_NAME_TEXT = r"dns ?prefix|\bname\b|managedclustername|resourcename"
_URL = r"https://[^\s'\"<>`]+"
_URL_TRAILING_PUNCTUATION = ".,;:!?)]}'\"\u2019\u201d"
_AUTH_ACTION_SCOPE = r"to perform action '([^']{1,300})' over scope '([^']{1,1000})'"
_LINKED_ACTION_SCOPE = (
    r"does not have permission to perform action\(s\) '([^']{1,300})' "
    r"on the linked scope\(s\) '([^']{1,1000})'"
)
_RESOURCE_GROUP_SCOPE = r"/subscriptions/[^/\s']+/resourceGroups/[^/\s']+"
_SUBSCRIPTION_SCOPE = r"/subscriptions/[^/\s']+"
_POLICY_ASSIGNMENT_NAME = r'policyAssignment\\?"\s*:\s*\{\s*\\?"name\\?"\s*:\s*\\?"([^"\\]{1,200})'
_QUOTA_NUMBERS = {
    "current_limit": r"Current Limit:\s*([0-9]{1,18})(?![0-9])",
    "current_usage": r"Current Usage:\s*([0-9]{1,18})(?![0-9])",
    "additional_required": r"Additional Required:\s*([0-9]{1,18})(?![0-9])",
    "new_limit_required": r"New Limit Required:\s*([0-9]{1,18})(?![0-9])",
    "quota_left": r"left regional vcpu quota\s*([0-9]{1,18})(?![0-9])",
    "quota_requested": r"requested quota\s*([0-9]{1,18})(?![0-9])",
}


@dataclass(frozen=True)
class ArmErrorFacts:
    """One ARM error as the rules read it: lower-cased code, message text and request context."""

    code: str
    message: str
    target: str = ""
    subscription_id: str = ""
    region: str = ""
    resource_group: str = ""


Advice = Callable[[ArmErrorFacts], tuple[ErrorAction, ...]]


def no_advice(facts: ArmErrorFacts) -> tuple[ErrorAction, ...]:
    """Nothing for the user to do but wait or try again (the retry flag says which)."""
    return ()


def edit_advice(label: str) -> Advice:
    """Advice to change the request in the form, with a fixed label."""
    action = ErrorAction(kind="edit", label=label)
    return lambda facts: (action,)


sku_advice = edit_advice("Choose another VM size")


def edit_request_advice(facts: ArmErrorFacts) -> tuple[ErrorAction, ...]:
    """An invalid request: ask for another name when ARM blames the name, else for an edit."""
    pattern = error_pattern(_NAME_TEXT)
    blames_name = pattern.search(facts.target) or pattern.search(facts.message)
    label = "Choose another cluster name" if blames_name else "Edit the request"
    return (ErrorAction(kind="edit", label=label),)


def create_resource_group_advice(facts: ArmErrorFacts) -> tuple[ErrorAction, ...]:
    """The resource group is missing: link to the portal page that creates one."""
    return (
        ErrorAction(kind="link", label="Create the resource group", url=CREATE_RESOURCE_GROUP_URL),
    )


def quota_advice(facts: ArmErrorFacts) -> tuple[ErrorAction, ...]:
    """Quota ran out: link to the quota request, labelled with the limit Azure says is needed."""
    url = quota_link(facts.message, facts.subscription_id, facts.region)
    return (ErrorAction(kind="link", label=quota_action_label(facts.message), url=url),)


def quota_link(message: str | None, subscription_id: str, region: str) -> str:
    """The quota request link: the one Azure put in the message if any, else the quota page."""
    best_url, best_score = "", 0
    for url in _urls_in(as_text(message)):
        lowered = url.lower()
        score = int("quota" in lowered)
        score += int(lowered.startswith(("https://aka.ms/", "https://portal.azure.com/")))
        if score > best_score:
            best_url, best_score = url, score
    return best_url or quota_request_url(subscription_id, region)


def quota_action_label(message: str | None) -> str:
    """'Request quota increase', with the limit Azure says is needed when it says so."""
    numbers = parse_quota_numbers(message)
    if "current_limit" in numbers and "new_limit_required" in numbers:
        return (
            f"Request quota increase (limit {numbers['current_limit']}, "
            f"needs {numbers['new_limit_required']})"
        )
    return "Request quota increase"


def parse_quota_numbers(message: str | None) -> dict[str, int]:
    """Numbers quoted in a quota error (current limit, usage, additional required, ...)."""
    text = as_text(message)
    numbers: dict[str, int] = {}
    for name, source in _QUOTA_NUMBERS.items():
        found = error_pattern(source).search(text)
        if found:
            numbers[name] = int(found.group(1))
    return numbers


def role_advice(facts: ArmErrorFacts) -> tuple[ErrorAction, ...]:
    """Name the missing permission and link to the IAM page of the scope that lacks it."""
    action_name, scope = _missing_permission(facts.message)
    url = _access_control_link(scope, facts.subscription_id)
    return (ErrorAction(kind="link", label=_role_label(action_name), url=url),)


def policy_advice(facts: ArmErrorFacts) -> tuple[ErrorAction, ...]:
    """A policy denied the request: name the assignment if Azure did, link the policy page."""
    found = error_pattern(_POLICY_ASSIGNMENT_NAME, 0).search(facts.message)
    if found:
        label = f"Ask an administrator about the Azure Policy '{found.group(1)}'"
    else:
        label = "Ask an administrator about the Azure Policy that blocks this request"
    return (ErrorAction(kind="link", label=label, url=POLICY_ASSIGNMENTS_URL),)


def _missing_permission(message: str) -> tuple[str, str]:
    """The action and scope an authorization failure names (linked scope first), or blanks."""
    found = error_pattern(_LINKED_ACTION_SCOPE).search(message) or error_pattern(
        _AUTH_ACTION_SCOPE
    ).search(message)
    return (found.group(1), found.group(2)) if found else ("", "")


def _role_label(action_name: str) -> str:
    """AKS actions (or none named) ask for the AKS role; any other names the action itself."""
    if action_name and not action_name.lower().startswith("microsoft.containerservice/"):
        return f"Ask for a role that allows {action_name}"
    label = f"Ask for the {AKS_CONTRIBUTOR_ROLE} role"
    return f"{label} (missing permission: {action_name})" if action_name else label


def _access_control_link(scope: str, subscription_id: str) -> str | None:
    """IAM page of the narrowest scope named (resource group, subscription), else of ours."""
    for source in (_RESOURCE_GROUP_SCOPE, _SUBSCRIPTION_SCOPE):
        found = error_pattern(source).search(scope)
        if found:
            return access_control_url(found.group(0))
    if subscription_id and "/" not in subscription_id:
        return access_control_url(f"/subscriptions/{subscription_id}")
    return None


def _urls_in(message: str) -> Iterator[str]:
    """https URLs in a message, without the sentence punctuation that follows them."""
    for match in error_pattern(_URL, 0).finditer(message):
        url = match.group(0).rstrip(_URL_TRAILING_PUNCTUATION)
        if len(url) > len("https://"):
            yield url
