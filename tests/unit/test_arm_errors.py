"""ARM error classification: every failure gets a category, a retry decision and advice."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseTimeoutError,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.errors.advice import parse_quota_numbers
from provisioning.errors.classify import classify_arm_error, classify_exception, is_transient
from provisioning.errors.product import cancelled_error, deadline_error, partial_cluster_actions
from provisioning.errors.text import MAX_ERROR_MESSAGE_BYTES, cap_message
from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory

SUB = "00000000-0000-0000-0000-000000000001"
CONTEXT: dict[str, Any] = {"subscription_id": SUB, "region": "eastus", "vm_size": "Standard_D2s_v5"}

# Message texts as Azure returns them (identifiers replaced).
QUOTA_EXCEEDED = (
    "Provisioning of resource(s) for container service aks1 in resource group rg1 failed. "
    "Message: Operation could not be completed as it results in exceeding approved Total "
    "Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: "
    "eastus, Current Limit: 10, Current Usage: 8, Additional Required: 6, (Minimum) New Limit "
    "Required: 14. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/"
    "Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/%7B%22subscriptionId%22:%22"
    "00000000-0000-0000-0000-000000000001%22,%22command%22:%22openQuotaApprovalBlade%22,%22"
    "quotas%22:[%7B%22location%22:%22eastus%22,%22providerId%22:%22Microsoft.Compute%22,%22"
    "resourceName%22:%22cores%22,%22quotaRequest%22:%7B%22properties%22:%7B%22limit%22:14,%22"
    "unit%22:%22Count%22,%22name%22:%7B%22value%22:%22cores%22%7D%7D%7D%7D]%7D by specifying "
    "parameters listed in the \u2018Details\u2019 section for deployment to succeed. Please read "
    "more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/"
    "regional-quota-requests."
)
QUOTA_LINK_IN_MESSAGE = QUOTA_EXCEEDED.split("increase at ")[1].split(" by specifying")[0]
INSUFFICIENT_VCPU = (
    "Preflight validation check for resource(s) for container service aks1 in resource group "
    "MC_rg1_aks1_eastus failed. Message: Insufficient regional vcpu quota left for location "
    "eastus. left regional vcpu quota 4, requested quota 6. If you want to use this region, "
    "please request more quota at https://aka.ms/aks/quotas-skus-regions."
)
OPERATION_NOT_ALLOWED_QUOTA = (
    "Operation could not be completed as it results in exceeding approved standardDSv3Family "
    "Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus, "
    "Current Limit: 10, Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: "
    "12. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/"
    "Microsoft_Azure_Capacity/UsageAndQuota.ReactView by specifying parameters listed in the "
    "\u2018Details\u2019 section for deployment to succeed."
)
OPERATION_NOT_ALLOWED_IN_PROGRESS = (
    "Operation is not allowed because there's an in progress create managed cluster operation "
    "which will conflict with the requested update managed cluster operation. Please wait for "
    "it to complete and retry."
)
OPERATION_NOT_ALLOWED_ANOTHER = (
    "Operation is not allowed: Another operation (Updating) is in progress, please wait for it "
    "to finish before starting a new operation."
)
OPERATION_NOT_ALLOWED_DELETING = (
    "Operation is not allowed since managed cluster aks1 is being deleted."
)
SKU_NOT_AVAILABLE = (
    "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: "
    "Standard_D2s_v5' is currently not available in location 'eastus'. Please try another size "
    "or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable "
    "for details."
)
INVALID_VM_SIZE = (
    "The value of parameter agentPoolProfile.vmSize is invalid. Please see "
    "https://aka.ms/aks-naming-rules for more details."
)
VM_SIZE_NOT_ALLOWED = (
    "The VM size of Standard_B1s is not allowed in your subscription in location 'eastus'. "
    "For more details, please visit https://aka.ms/cpu-quota"
)
INVALID_DNS_PREFIX = (
    "The value of parameter dnsPrefix is invalid. Please see https://aka.ms/aks-naming-rules "
    "for more details."
)
LOCATION_NOT_AVAILABLE = (
    "The provided location 'westcentralus' is not available for resource type "
    "'Microsoft.ContainerService/managedClusters'. List of available regions for the resource "
    "type is 'australiacentral,australiaeast,brazilsouth,canadacentral,eastus,westeurope'."
)
AUTHORIZATION_FAILED = (
    "The client 'user@contoso.com' with object id '11111111-1111-1111-1111-111111111111' does "
    "not have authorization to perform action 'Microsoft.ContainerService/managedClusters/write' "
    f"over scope '/subscriptions/{SUB}/resourceGroups/rg1/providers/"
    "Microsoft.ContainerService/managedClusters/aks1' or the scope is invalid. If access was "
    "recently granted, please refresh your credentials."
)
LINKED_AUTHORIZATION_FAILED = (
    "The client '11111111-1111-1111-1111-111111111111' with object id "
    "'11111111-1111-1111-1111-111111111111' has permission to perform action "
    "'Microsoft.ContainerService/managedClusters/write' on scope "
    f"'/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.ContainerService/"
    "managedClusters/aks1'; however, it does not have permission to perform action(s) "
    "'Microsoft.Network/virtualNetworks/subnets/join/action' on the linked scope(s) "
    f"'/subscriptions/{SUB}/resourceGroups/netrg/providers/Microsoft.Network/virtualNetworks/"
    "vnet1/subnets/default' (respectively) or the linked scope(s) are invalid."
)
POLICY_DISALLOWED = (
    "Resource 'aks1' was disallowed by policy. Policy identifiers: '[{\"policyAssignment\":"
    '{"name":"Allowed locations","id":"/subscriptions/' + SUB + "/providers/"
    'Microsoft.Authorization/policyAssignments/0123abcd"},"policyDefinition":{"name":'
    '"Allowed locations","id":"/providers/Microsoft.Authorization/policyDefinitions/'
    "e56962a6-4747-49cd-b67b-bf8b01975c4c\"}}]'."
)
RESOURCE_GROUP_NOT_FOUND = "Resource group 'missing-rg' could not be found."
ALLOCATION_FAILED = (
    "Allocation failed. We do not have sufficient capacity for the requested VM size in this "
    "region. Read more about improving likelihood of allocation success at "
    "http://aka.ms/allocation-guidance"
)
ZONAL_ALLOCATION_FAILED = (
    "Allocation failed. We do not have sufficient capacity for the requested VM size in this "
    "zone. Read more about improving likelihood of allocation success at "
    "http://aka.ms/allocation-guidance"
)
VM_EXTENSION_FAILED = (
    "VM has reported a failure when processing extension 'vmssCSE'. Error message: \"Enable "
    "failed: failed to execute command: command terminated with exit status=50\n[stdout]\n\n"
    '[stderr]\n". More information on troubleshooting is available at '
    "https://aka.ms/VMExtensionCSELinuxTroubleshoot"
)


def classify(code: str | None, message: str | None, status: int | None = 400) -> ClassifiedError:
    return classify_arm_error(code, message, status=status, **CONTEXT)


def only_action(error: ClassifiedError) -> ErrorAction:
    assert len(error.actions) == 1
    return error.actions[0]


# --- quota -----------------------------------------------------------------------------------


def test_quota_exceeded_is_a_terminal_quota_error_with_the_message_kept() -> None:
    error = classify("QuotaExceeded", QUOTA_EXCEEDED)
    assert (error.code, error.category, error.retryable) == (
        "QuotaExceeded",
        ErrorCategory.QUOTA,
        False,
    )
    assert error.message == QUOTA_EXCEEDED
    assert not is_transient(error)


def test_quota_action_prefers_the_portal_link_azure_put_in_the_message() -> None:
    action = only_action(classify("QuotaExceeded", QUOTA_EXCEEDED))
    assert (action.kind, action.label) == ("link", "Request quota increase (limit 10, needs 14)")
    assert action.url == QUOTA_LINK_IN_MESSAGE
    assert action.url.startswith("https://aka.ms/ProdportalCRP/")
    assert action.url.endswith("%7D")


def test_quota_action_without_a_link_points_at_the_quota_page_for_subscription_and_region() -> None:
    action = only_action(classify("QuotaExceeded", "Quota exceeded for cores."))
    assert action.url == (f"https://aka.ms/quotas/view-quotas?subscriptionId={SUB}&location=eastus")


def test_quota_link_has_trailing_sentence_punctuation_stripped() -> None:
    action = only_action(classify("ErrCode_InsufficientVCPUQuota", INSUFFICIENT_VCPU))
    assert action.url == "https://aka.ms/aks/quotas-skus-regions"


def test_quota_link_ignores_links_that_are_not_about_quota() -> None:
    message = "Quota exceeded. See https://example.com/status for service health."
    action = only_action(classify("QuotaExceeded", message))
    assert action.url is not None and action.url.startswith("https://aka.ms/quotas/view-quotas")


def test_insufficient_vcpu_quota_is_a_quota_error() -> None:
    error = classify("ErrCode_InsufficientVCPUQuota", INSUFFICIENT_VCPU)
    assert (error.category, error.retryable) == (ErrorCategory.QUOTA, False)


def test_quota_numbers_are_parsed_from_the_message() -> None:
    assert parse_quota_numbers(QUOTA_EXCEEDED) == {
        "current_limit": 10,
        "current_usage": 8,
        "additional_required": 6,
        "new_limit_required": 14,
    }


def test_vcpu_quota_numbers_are_parsed_from_the_aks_message() -> None:
    assert parse_quota_numbers(INSUFFICIENT_VCPU) == {"quota_left": 4, "quota_requested": 6}


@pytest.mark.parametrize("message", [None, "", "no numbers here", "Current Limit: lots"])
def test_quota_numbers_are_empty_when_absent(message: str | None) -> None:
    assert parse_quota_numbers(message) == {}


# --- OperationNotAllowed ---------------------------------------------------------------------


def test_operation_not_allowed_about_cores_is_a_quota_error() -> None:
    error = classify("OperationNotAllowed", OPERATION_NOT_ALLOWED_QUOTA)
    assert error.category is ErrorCategory.QUOTA
    assert only_action(error).url == (
        "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView"
    )


@pytest.mark.parametrize(
    "message", [OPERATION_NOT_ALLOWED_IN_PROGRESS, OPERATION_NOT_ALLOWED_ANOTHER]
)
def test_operation_not_allowed_while_another_runs_is_transient(message: str) -> None:
    error = classify("OperationNotAllowed", message, status=409)
    assert (error.category, error.retryable) == (ErrorCategory.TRANSIENT, True)
    assert is_transient(error)


def test_other_operation_not_allowed_is_a_conflict() -> None:
    error = classify("OperationNotAllowed", OPERATION_NOT_ALLOWED_DELETING, status=409)
    assert (error.category, error.retryable) == (ErrorCategory.CONFLICT, False)


def test_deleting_the_last_system_pool_is_a_conflict_not_a_retry() -> None:
    error = classify(
        "OperationNotAllowed", "There has to be at least one system agent pool.", status=400
    )
    assert (error.category, error.retryable) == (ErrorCategory.CONFLICT, False)


def test_a_count_on_an_autoscaled_pool_is_a_conflict_not_a_retry() -> None:
    error = classify(
        "BadRequest",
        "Cannot manually scale and enable cluster autoscaler in the same update operation on "
        "VMSS Agentpool 'work'.",
        status=400,
    )
    assert (error.category, error.retryable) == (ErrorCategory.CONFLICT, False)


# --- SKU / VM size ---------------------------------------------------------------------------


def test_sku_not_available_asks_for_another_vm_size() -> None:
    error = classify("SkuNotAvailable", SKU_NOT_AVAILABLE)
    assert (error.category, error.retryable) == (ErrorCategory.SKU, False)
    assert only_action(error) == ErrorAction(kind="edit", label="Choose another VM size")


def test_invalid_parameter_about_vm_size_is_a_sku_error() -> None:
    assert classify("InvalidParameter", INVALID_VM_SIZE).category is ErrorCategory.SKU


def test_invalid_parameter_whose_target_is_vm_size_is_a_sku_error() -> None:
    error = classify_arm_error(
        "InvalidParameter",
        "The value of the parameter is invalid.",
        status=400,
        target="agentPoolProfiles[0].vmSize",
        **CONTEXT,
    )
    assert error.category is ErrorCategory.SKU


def test_bad_request_vm_size_not_allowed_is_a_sku_error() -> None:
    error = classify("BadRequest", VM_SIZE_NOT_ALLOWED)
    assert (error.category, error.retryable) == (ErrorCategory.SKU, False)


# --- invalid request -------------------------------------------------------------------------


def test_invalid_dns_prefix_asks_for_another_name() -> None:
    error = classify("InvalidParameter", INVALID_DNS_PREFIX)
    assert (error.category, error.retryable) == (ErrorCategory.INVALID_REQUEST, False)
    assert only_action(error) == ErrorAction(kind="edit", label="Choose another cluster name")


def test_invalid_parameter_with_name_target_asks_for_another_name() -> None:
    error = classify_arm_error(
        "InvalidParameter", "Invalid value.", status=400, target="name", **CONTEXT
    )
    assert only_action(error).label == "Choose another cluster name"


def test_unsupported_kubernetes_version_is_an_invalid_request() -> None:
    message = "Version 1.20.1 is not supported in this region."
    error = classify("K8sVersionNotSupported", message)
    assert error.category is ErrorCategory.INVALID_REQUEST
    assert only_action(error) == ErrorAction(kind="edit", label="Edit the request")


def test_missing_resource_group_offers_to_create_it() -> None:
    error = classify("ResourceGroupNotFound", RESOURCE_GROUP_NOT_FOUND, status=404)
    assert (error.category, error.retryable) == (ErrorCategory.INVALID_REQUEST, False)
    action = only_action(error)
    assert (action.kind, action.label) == ("link", "Create the resource group")
    assert action.url == "https://portal.azure.com/#create/Microsoft.ResourceGroup"


# --- region and capacity ---------------------------------------------------------------------


def test_location_not_available_asks_for_another_region() -> None:
    error = classify("LocationNotAvailableForResourceType", LOCATION_NOT_AVAILABLE)
    assert (error.category, error.retryable) == (ErrorCategory.REGION, False)
    assert only_action(error) == ErrorAction(kind="edit", label="Choose another region")


@pytest.mark.parametrize(
    ("code", "message"),
    [("AllocationFailed", ALLOCATION_FAILED), ("ZonalAllocationFailed", ZONAL_ALLOCATION_FAILED)],
)
def test_capacity_shortage_is_a_retryable_region_error(code: str, message: str) -> None:
    error = classify(code, message, status=200)
    assert (error.category, error.retryable) == (ErrorCategory.REGION, True)
    assert only_action(error) == ErrorAction(kind="edit", label="Try another region or VM size")
    assert not is_transient(error)


# --- permission ------------------------------------------------------------------------------


def test_authorization_failed_asks_for_the_aks_contributor_role_on_the_resource_group() -> None:
    error = classify("AuthorizationFailed", AUTHORIZATION_FAILED, status=403)
    assert (error.category, error.retryable) == (ErrorCategory.PERMISSION, False)
    action = only_action(error)
    assert action.label == (
        "Ask for the Azure Kubernetes Service Contributor role "
        "(missing permission: Microsoft.ContainerService/managedClusters/write)"
    )
    assert action.url == (
        f"https://portal.azure.com/#@/resource/subscriptions/{SUB}/resourceGroups/rg1/users"
    )


def test_linked_authorization_failed_names_the_linked_permission_and_scope() -> None:
    error = classify("LinkedAuthorizationFailed", LINKED_AUTHORIZATION_FAILED, status=403)
    assert error.category is ErrorCategory.PERMISSION
    action = only_action(error)
    assert action.label == (
        "Ask for a role that allows Microsoft.Network/virtualNetworks/subnets/join/action"
    )
    assert action.url == (
        f"https://portal.azure.com/#@/resource/subscriptions/{SUB}/resourceGroups/netrg/users"
    )


def test_authorization_failed_without_a_scope_links_the_subscription_iam_page() -> None:
    action = only_action(classify("AuthorizationFailed", "Forbidden.", status=403))
    assert action.label == "Ask for the Azure Kubernetes Service Contributor role"
    assert action.url == f"https://portal.azure.com/#@/resource/subscriptions/{SUB}/users"


def test_policy_denial_is_a_terminal_permission_error_naming_the_policy() -> None:
    error = classify("RequestDisallowedByPolicy", POLICY_DISALLOWED, status=403)
    assert (error.category, error.retryable) == (ErrorCategory.PERMISSION, False)
    assert only_action(error).label == (
        "Ask an administrator about the Azure Policy 'Allowed locations'"
    )


def test_policy_denial_without_details_still_gives_advice() -> None:
    action = only_action(classify("RequestDisallowedByPolicy", "Disallowed by policy."))
    assert "Azure Policy" in action.label
    assert action.url is not None and action.url.startswith("https://portal.azure.com/")


def test_expired_token_is_a_permission_error() -> None:
    error = classify("ExpiredAuthenticationToken", "The access token expiry has passed.", 401)
    assert (error.category, error.retryable) == (ErrorCategory.PERMISSION, False)


# --- transient, conflict, cancelled, async ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("TooManyRequests", 429),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
        ("GatewayTimeout", 504),
        ("RetryableError", 200),
    ],
)
def test_throttling_and_server_errors_are_transient(code: str, status: int) -> None:
    error = classify(code, "Please retry later.", status)
    assert (error.category, error.retryable) == (ErrorCategory.TRANSIENT, True)
    assert is_transient(error)


def test_conflict_with_an_operation_in_progress_is_transient() -> None:
    message = "Operation is in progress on the managed cluster; retry after it completes."
    assert classify("Conflict", message, 409).category is ErrorCategory.TRANSIENT


@pytest.mark.parametrize("code", ["Conflict", "ResourceExists"])
def test_plain_conflict_is_a_terminal_conflict(code: str) -> None:
    error = classify(code, "The resource already exists with different settings.", 409)
    assert (error.category, error.retryable) == (ErrorCategory.CONFLICT, False)
    assert not is_transient(error)


@pytest.mark.parametrize(
    "code",
    ["Canceled", "OperationCanceled", "OperationCancelled", "OperationPreempted", "canceled"],
)
def test_cancelled_operation_is_in_the_cancelled_category(code: str) -> None:
    error = classify(code, "The operation was canceled.", 200)
    assert (error.category, error.retryable) == (ErrorCategory.CANCELLED, True)


def test_aks_preemption_by_a_delete_is_in_the_cancelled_category() -> None:
    message = "This operation has been preempted by Deleting operation."
    error = classify("AKSOperationPreemptedByDelete", message, 200)
    assert (error.category, error.retryable, error.actions) == (ErrorCategory.CANCELLED, True, ())
    assert (error.code, error.message) == ("AKSOperationPreemptedByDelete", message)


def test_vm_extension_failure_after_accept_is_unknown_but_retryable() -> None:
    error = classify("VMExtensionProvisioningError", VM_EXTENSION_FAILED, status=200)
    assert (error.category, error.retryable, error.actions) == (ErrorCategory.UNKNOWN, True, ())
    assert error.message == VM_EXTENSION_FAILED
    assert not is_transient(error)


def test_classification_follows_the_code_not_the_status_of_a_failed_operation() -> None:
    assert classify("QuotaExceeded", QUOTA_EXCEEDED, status=200).category is ErrorCategory.QUOTA
    assert classify("TooManyRequests", "slow down", status=200).category is (
        ErrorCategory.TRANSIENT
    )


def test_unknown_code_is_unknown_and_not_retryable_for_a_client_error() -> None:
    error = classify("SomethingNew", "A new kind of failure.", 400)
    assert (error.code, error.category, error.retryable) == (
        "SomethingNew",
        ErrorCategory.UNKNOWN,
        False,
    )


@pytest.mark.parametrize("status", [429, 500, 503, 599])
def test_unknown_code_with_throttling_or_server_status_is_retryable(status: int) -> None:
    error = classify("SomethingNew", "A new kind of failure.", status)
    assert (error.category, error.retryable) == (ErrorCategory.UNKNOWN, True)


def test_generic_code_with_quota_text_is_a_quota_error() -> None:
    assert classify("DeploymentFailed", QUOTA_EXCEEDED).category is ErrorCategory.QUOTA


def test_missing_code_and_message_still_give_a_readable_error() -> None:
    error = classify(None, None, None)
    assert (error.code, error.category, error.retryable) == (
        "UnknownError",
        ErrorCategory.UNKNOWN,
        False,
    )
    assert "without a message" in error.message
    assert "eastus" in error.message


# --- message cap -----------------------------------------------------------------------------


def test_message_under_the_cap_is_kept_verbatim() -> None:
    text = "x" * MAX_ERROR_MESSAGE_BYTES
    assert classify("SomethingNew", text).message == text


def test_long_message_is_capped_to_4_kib_with_an_ellipsis() -> None:
    error = classify("SomethingNew", "y" * 10_000)
    assert len(error.message.encode("utf-8")) == MAX_ERROR_MESSAGE_BYTES
    assert error.message.endswith("\u2026")
    assert error.message.startswith("yyy")


def test_cap_cuts_on_a_character_boundary() -> None:
    capped = cap_message("\u00e9" * 3000)  # 2 bytes each
    assert len(capped.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES
    assert set(capped[:-1]) == {"\u00e9"}
    assert capped.endswith("\u2026")


def test_cap_replaces_lone_surrogates_so_the_message_can_be_stored() -> None:
    assert cap_message("bad \ud800 char") == "bad ? char"


def test_very_long_code_is_capped() -> None:
    assert len(classify("C" * 1000, "m").code) == 128


# --- cancelled and deadline errors -----------------------------------------------------------


def test_cancel_before_the_cluster_existed_has_no_actions() -> None:
    error = cancelled_error(cluster_seen=False, portal_url=None)
    assert error == ClassifiedError(
        code="Cancelled",
        category=ErrorCategory.CANCELLED,
        message="The attempt was cancelled before it finished; nothing was created on Azure.",
        retryable=True,
        actions=(),
    )


def test_cancel_after_the_cluster_existed_offers_portal_and_delete() -> None:
    url = "https://portal.azure.com/#@/resource/x/overview"
    error = cancelled_error(cluster_seen=True, portal_url=url)
    assert error.message == (
        "Stopped while Azure was creating the cluster. The cluster resource may still "
        "exist: check it in the portal and delete it if you do not need it."
    )
    assert error.actions == (
        ErrorAction(kind="portal", label="Open cluster in Azure portal", url=url),
        ErrorAction(kind="delete_cluster", label="Delete partial cluster", url=None),
    )


def test_cancel_after_the_cluster_existed_without_a_portal_url_still_offers_delete() -> None:
    error = cancelled_error(cluster_seen=True, portal_url=None)
    assert [a.kind for a in error.actions] == ["delete_cluster"]


def test_partial_cluster_actions_round_trip_through_json() -> None:
    actions = partial_cluster_actions("https://portal.azure.com/#@/resource/x/overview")
    error = ClassifiedError("Cancelled", ErrorCategory.CANCELLED, "m", True, actions)
    assert ClassifiedError.from_dict(json.loads(json.dumps(error.to_dict()))) == error


def test_deadline_error_says_the_cluster_may_still_be_creating() -> None:
    error = deadline_error(45)
    assert (error.code, error.category, error.retryable) == (
        "DeadlineExceeded",
        ErrorCategory.UNKNOWN,
        True,
    )
    assert "45 minutes" in error.message
    assert not is_transient(error)


def test_deadline_error_with_a_portal_url_links_the_cluster() -> None:
    error = deadline_error(45, portal_url="https://portal.azure.com/#@/resource/x/overview")
    assert [a.kind for a in error.actions] == ["portal"]


# --- exceptions from the SDK -----------------------------------------------------------------


class JsonResponse:
    """The parts of an azure-core response that HttpResponseError reads."""

    def __init__(self, status: int, payload: object) -> None:
        self.status_code = status
        self.reason = "Reason"
        self.headers: dict[str, str] = {}
        self.content_type = "application/json"
        self.request = None
        self._text = json.dumps(payload)

    def text(self, encoding: str | None = None) -> str:
        return self._text

    def body(self) -> bytes:
        return self._text.encode()


def test_http_response_error_is_classified_by_its_arm_error_code() -> None:
    exc = HttpResponseError(
        response=JsonResponse(400, {"error": {"code": "QuotaExceeded", "message": QUOTA_EXCEEDED}})
    )
    error = classify_exception(exc, **CONTEXT)
    assert (error.code, error.category) == ("QuotaExceeded", ErrorCategory.QUOTA)
    assert error.message == QUOTA_EXCEEDED


def test_failed_long_running_operation_with_status_200_is_classified_by_code() -> None:
    operation = {
        "status": "Failed",
        "error": {"code": "VMExtensionProvisioningError", "message": VM_EXTENSION_FAILED},
    }
    exc = HttpResponseError(response=JsonResponse(200, operation))
    error = classify_exception(exc, **CONTEXT)
    assert (error.code, error.category, error.retryable) == (
        "VMExtensionProvisioningError",
        ErrorCategory.UNKNOWN,
        True,
    )


def test_wrapper_code_is_replaced_by_the_specific_inner_detail() -> None:
    payload = {
        "error": {
            "code": "BadRequest",
            "message": "The request failed.",
            "details": [{"code": "SkuNotAvailable", "message": SKU_NOT_AVAILABLE}],
        }
    }
    error = classify_exception(HttpResponseError(response=JsonResponse(400, payload)), **CONTEXT)
    assert (error.code, error.category) == ("SkuNotAvailable", ErrorCategory.SKU)


def test_resource_group_not_found_exception_is_classified() -> None:
    payload = {"error": {"code": "ResourceGroupNotFound", "message": RESOURCE_GROUP_NOT_FOUND}}
    exc = ResourceNotFoundError(response=JsonResponse(404, payload))
    error = classify_exception(exc, **CONTEXT)
    assert (error.code, error.category) == ("ResourceGroupNotFound", ErrorCategory.INVALID_REQUEST)


def test_throttled_response_without_an_error_body_is_retryable_unknown() -> None:
    exc = HttpResponseError(message="Too many requests", response=JsonResponse(429, "busy"))
    error = classify_exception(exc, **CONTEXT)
    assert (error.category, error.retryable) == (ErrorCategory.UNKNOWN, True)
    assert "Too many requests" in error.message


def test_credential_failure_is_a_permission_error() -> None:
    error = classify_exception(ClientAuthenticationError("No token available."), **CONTEXT)
    assert (error.code, error.category) == ("AuthenticationFailed", ErrorCategory.PERMISSION)
    assert "No token available." in error.message


@pytest.mark.parametrize(
    "exc",
    [
        ServiceRequestError("Connection refused"),
        ServiceResponseTimeoutError("Read timed out"),
        TimeoutError("timed out"),
        ConnectionResetError("reset by peer"),
    ],
)
def test_network_failures_and_timeouts_are_transient(exc: BaseException) -> None:
    error = classify_exception(exc, **CONTEXT)
    assert (error.category, error.retryable) == (ErrorCategory.TRANSIENT, True)
    assert is_transient(error)


def test_any_other_exception_is_unknown_and_not_retried() -> None:
    error = classify_exception(KeyError("properties"), **CONTEXT)
    assert (error.code, error.category, error.retryable) == (
        "UnexpectedError",
        ErrorCategory.UNKNOWN,
        False,
    )
    assert "properties" in error.message


def test_exception_whose_str_fails_is_still_classified() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    error = classify_exception(Unprintable(), **CONTEXT)
    assert error.category is ErrorCategory.UNKNOWN
    assert error.message == "Unprintable"


# --- totality --------------------------------------------------------------------------------

KNOWN_CODES = [
    "QuotaExceeded",
    "ErrCode_InsufficientVCPUQuota",
    "OperationNotAllowed",
    "SkuNotAvailable",
    "InvalidParameter",
    "BadRequest",
    "LocationNotAvailableForResourceType",
    "AuthorizationFailed",
    "LinkedAuthorizationFailed",
    "RequestDisallowedByPolicy",
    "ResourceGroupNotFound",
    "AllocationFailed",
    "ZonalAllocationFailed",
    "Conflict",
    "Canceled",
    "VMExtensionProvisioningError",
]
MESSAGE_FRAGMENTS = [
    "quota",
    "in progress",
    "vmSize",
    "VM size x not allowed",
    "https://aka.ms/q.",
    "to perform action 'a' over scope '/subscriptions/s/resourceGroups/r'",
    'policyAssignment":{"name":"',
    "Current Limit: 99999999999999999999999",
]


@settings(max_examples=200)
@given(
    code=st.one_of(st.none(), st.sampled_from(KNOWN_CODES), st.text(max_size=200)),
    message=st.one_of(
        st.none(),
        st.text(max_size=6000),
        st.lists(st.sampled_from(MESSAGE_FRAGMENTS) | st.text(max_size=30), max_size=8).map(
            " ".join
        ),
    ),
    status=st.one_of(st.none(), st.integers(min_value=-1000, max_value=1000)),
    target=st.one_of(st.none(), st.text(max_size=40)),
)
def test_classification_is_total_and_bounded(
    code: str | None, message: str | None, status: int | None, target: str | None
) -> None:
    error = classify_arm_error(code, message, status=status, target=target, **CONTEXT)
    assert isinstance(error.category, ErrorCategory)
    assert error.code
    assert error.message
    assert len(error.message.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES
    assert all(a.url is None or a.url.startswith("https://") for a in error.actions)
    assert ClassifiedError.from_dict(json.loads(json.dumps(error.to_dict()))) == error


@settings(max_examples=200)
@given(st.text(max_size=9000))
def test_capped_messages_are_prefixes_within_the_byte_limit(text: str) -> None:
    capped = cap_message(text)
    assert len(capped.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES
    safe = text.encode("utf-8", errors="replace").decode("utf-8")
    assert capped == safe or (capped.endswith("\u2026") and safe.startswith(capped[:-1]))


def test_quota_action_without_numbers_keeps_the_plain_label() -> None:
    action = only_action(classify("QuotaExceeded", "Operation results in exceeding quota limits."))
    assert action.label == "Request quota increase"


# --- totality of exception classification ---------------------------------------------------

ERROR_BODIES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["error", "code", "message", "target", "details", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200)
@given(status=st.integers(min_value=100, max_value=599), payload=ERROR_BODIES)
def test_any_http_error_body_is_classified_never_raised(status: int, payload: object) -> None:
    from azure.core.exceptions import HttpResponseError

    exc = HttpResponseError(response=JsonResponse(status, payload))
    error = classify_exception(exc, **CONTEXT)
    assert isinstance(error.category, ErrorCategory)
    assert error.code and error.message
    assert len(error.message.encode("utf-8")) <= MAX_ERROR_MESSAGE_BYTES


@settings(max_examples=100)
@given(
    kind=st.sampled_from([Exception, ValueError, RuntimeError, OSError, TimeoutError, KeyError]),
    text=st.text(max_size=300),
)
def test_any_exception_with_any_message_is_classified_never_raised(
    kind: type[Exception], text: str
) -> None:
    error = classify_exception(kind(text), **CONTEXT)
    assert isinstance(error.category, ErrorCategory)
    assert error.code and error.message


@pytest.mark.parametrize(
    "exc",
    [
        ServiceRequestError("Cannot connect to host 127.0.0.1:8443 ssl:default [Connect refused]"),
        ServiceResponseTimeoutError("HTTPSConnectionPool(host='10.1.2.3', port=443): timed out"),
        ConnectionRefusedError("[Errno 111] Connect call failed ('127.0.0.1', 8443)"),
    ],
)
def test_network_failure_messages_name_the_service_not_an_internal_address(
    exc: BaseException,
) -> None:
    error = classify_exception(exc, **CONTEXT)
    assert "Azure Resource Manager did not answer" in error.message
    assert not re.search(r"\d+\.\d+\.\d+\.\d+|:\d{2,5}\b|host", error.message)
