"""The ARM error rule table: which code (and message text) means which category, retry and advice.

Rules are read top to bottom and the first match wins, so a narrower row (a code plus message
text) sits above the broader row for the same code. To teach the app a new ARM error, add its
code to a set below or add a row; advice builders live in `arm_error_advice`. Codes are
compared lower-cased. Text patterns are compiled on first use (cold start).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from provisioning.errors.advice import (
    Advice,
    ArmErrorFacts,
    create_resource_group_advice,
    edit_advice,
    edit_request_advice,
    no_advice,
    policy_advice,
    quota_advice,
    role_advice,
    sku_advice,
)
from provisioning.errors.text import error_pattern
from provisioning.models import ErrorCategory

QUOTA_CODES = frozenset({"quotaexceeded", "errcode_insufficientvcpuquota"})
OPERATION_NOT_ALLOWED_CODES = frozenset({"operationnotallowed"})
SKU_CODES = frozenset({"skunotavailable"})
INVALID_PARAMETER_CODES = frozenset({"invalidparameter"})
INVALID_REQUEST_CODES = INVALID_PARAMETER_CODES | {
    "invalidresourcename",
    "invalidresourcegroup",
    "k8sversionnotsupported",
    "agentpoolk8sversionnotsupported",
    "invalidrequestcontent",
    "invalidrequestformat",
}
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
RESOURCE_GROUP_NOT_FOUND_CODES = frozenset({"resourcegroupnotfound"})
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
# AKSOperationPreemptedByDelete: "This operation has been preempted by Deleting operation."
CANCELLED_CODES = frozenset(
    {
        "canceled",
        "cancelled",
        "operationcanceled",
        "operationcancelled",
        "operationpreempted",
        "aksoperationpreemptedbydelete",
    }
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

QUOTA_TEXT = r"quota|\bcores?\b|\bv?cpus?\b"
# AKS refuses a count on a pool whose cluster autoscaler is (being turned) on: "Cannot manually
# scale and enable cluster autoscaler in the same update operation on VMSS Agentpool '…'".
AUTOSCALER_TEXT = r"cluster autoscaler"
BAD_REQUEST_CODES = frozenset({"badrequest"})
IN_PROGRESS_TEXT = r"in[ -]?progress|another operation"
VM_SIZE_TEXT = r"vm ?size|vmsize"
VM_SIZE_NOT_ALLOWED_TEXT = r"vm ?size.{0,200}?not (?:allowed|available)"
QUOTA_EXCEEDED_TEXT = (
    r"exceeding approved .{0,80}?quota|insufficient .{0,40}?quota|quota .{0,40}?exceeded"
)
_TEXT_FLAGS = re.IGNORECASE | re.DOTALL


@dataclass(frozen=True)
class ArmErrorRule:
    """One row: codes (or a code fragment) and optional message text → what the error means."""

    codes: frozenset[str]
    category: ErrorCategory
    retryable: bool
    advice: Advice = no_advice
    text: str = ""  # a regex the message must match (case-insensitive); "" matches any
    text_in_target: bool = False  # the text may match the error's target instead
    code_fragment: str = ""  # a code containing this also matches

    def matches(self, facts: ArmErrorFacts) -> bool:
        """True when the code is one of this row's and the message says what the row needs."""
        code_matches = facts.code in self.codes or (
            bool(self.code_fragment) and self.code_fragment in facts.code
        )
        return code_matches and self._text_matches(facts)

    def _text_matches(self, facts: ArmErrorFacts) -> bool:
        if not self.text:
            return True
        pattern = error_pattern(self.text, _TEXT_FLAGS)
        return bool(
            pattern.search(facts.message) or (self.text_in_target and pattern.search(facts.target))
        )


ARM_ERROR_RULES: tuple[ArmErrorRule, ...] = (
    ArmErrorRule(QUOTA_CODES, ErrorCategory.QUOTA, False, quota_advice),
    ArmErrorRule(
        OPERATION_NOT_ALLOWED_CODES, ErrorCategory.QUOTA, False, quota_advice, text=QUOTA_TEXT
    ),
    ArmErrorRule(OPERATION_NOT_ALLOWED_CODES, ErrorCategory.TRANSIENT, True, text=IN_PROGRESS_TEXT),
    ArmErrorRule(OPERATION_NOT_ALLOWED_CODES, ErrorCategory.CONFLICT, False),
    ArmErrorRule(BAD_REQUEST_CODES, ErrorCategory.CONFLICT, False, text=AUTOSCALER_TEXT),
    ArmErrorRule(SKU_CODES, ErrorCategory.SKU, False, sku_advice),
    ArmErrorRule(
        INVALID_PARAMETER_CODES,
        ErrorCategory.SKU,
        False,
        sku_advice,
        text=VM_SIZE_TEXT,
        text_in_target=True,
    ),
    ArmErrorRule(INVALID_REQUEST_CODES, ErrorCategory.INVALID_REQUEST, False, edit_request_advice),
    ArmErrorRule(REGION_CODES, ErrorCategory.REGION, False, edit_advice("Choose another region")),
    ArmErrorRule(
        CAPACITY_CODES, ErrorCategory.REGION, True, edit_advice("Try another region or VM size")
    ),
    ArmErrorRule(AUTHORIZATION_CODES, ErrorCategory.PERMISSION, False, role_advice),
    ArmErrorRule(CREDENTIAL_CODES, ErrorCategory.PERMISSION, False),
    ArmErrorRule(POLICY_CODES, ErrorCategory.PERMISSION, False, policy_advice),
    ArmErrorRule(
        RESOURCE_GROUP_NOT_FOUND_CODES,
        ErrorCategory.INVALID_REQUEST,
        False,
        create_resource_group_advice,
    ),
    ArmErrorRule(TRANSIENT_CODES, ErrorCategory.TRANSIENT, True),
    ArmErrorRule(CONFLICT_CODES, ErrorCategory.TRANSIENT, True, text=IN_PROGRESS_TEXT),
    ArmErrorRule(CONFLICT_CODES, ErrorCategory.CONFLICT, False),
    ArmErrorRule(CANCELLED_CODES, ErrorCategory.CANCELLED, True),
    ArmErrorRule(ASYNC_FAILURE_CODES, ErrorCategory.UNKNOWN, True, code_fragment="vmextension"),
    ArmErrorRule(GENERIC_CODES, ErrorCategory.QUOTA, False, quota_advice, text=QUOTA_EXCEEDED_TEXT),
    ArmErrorRule(
        GENERIC_CODES, ErrorCategory.SKU, False, sku_advice, text=VM_SIZE_NOT_ALLOWED_TEXT
    ),
)


def first_matching_rule(
    facts: ArmErrorFacts, rules: tuple[ArmErrorRule, ...] = ARM_ERROR_RULES
) -> ArmErrorRule | None:
    """The first row that matches these facts, or None when no rule knows the error."""
    return next((rule for rule in rules if rule.matches(facts)), None)
