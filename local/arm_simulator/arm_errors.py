"""ARM error envelopes with the codes and message shapes Azure really sends."""

from __future__ import annotations

import json
import re
from typing import Any

QUOTA_CURRENT_LIMIT = 10
QUOTA_CURRENT_USAGE = 8
SIMULATED_CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"
SIMULATED_OBJECT_ID = "00000000-0000-0000-0000-0000000000b1"


class ArmError(Exception):
    """An ARM failure answer: HTTP status plus the `{"error": {...}}` body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        target: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The ARM error envelope."""
        return {"error": error_detail(self.code, self.message, self.target)}


def error_detail(code: str, message: str, target: str | None = None) -> dict[str, Any]:
    """One ARM error object: code, message, target, details."""
    return {"code": code, "message": message, "target": target, "details": []}


def authentication_failed(reason: str) -> ArmError:
    """401 when the Authorization header is missing or not a bearer token."""
    return ArmError(401, "AuthenticationFailed", f"Authentication failed. {reason}")


def missing_api_version() -> ArmError:
    """400 when the api-version query parameter is absent (any value is accepted)."""
    return ArmError(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )


def resource_group_not_found(resource_group: str) -> ArmError:
    """404 for the `missing-rg` resource group, on every verb."""
    return ArmError(
        404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found."
    )


def resource_not_found(resource_group: str, name: str) -> ArmError:
    """404 for a managed cluster that does not exist."""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group "
        f"'{resource_group}' was not found. For more details please go to "
        "https://aka.ms/ARMResourceNotFoundFix",
    )


def path_not_found(path: str) -> ArmError:
    """404 for a path the simulator does not serve."""
    return ArmError(404, "NotFound", f"The ARM simulator does not serve '{path}'.")


def operation_not_found(operation_id: str) -> ArmError:
    """404 for an unknown async operation id."""
    return ArmError(404, "NotFound", f"Operation '{operation_id}' was not found.")


def invalid_parameter(target: str, why: str) -> ArmError:
    """400 InvalidParameter naming the offending field, as AKS does."""
    message = f"The value of parameter {target} is invalid: {why}"
    return ArmError(400, "InvalidParameter", message, target)


def invalid_request_content(why: str) -> ArmError:
    """400 when the PUT body is not a JSON object."""
    return ArmError(400, "InvalidRequestContent", f"The request content was invalid: {why}")


def service_unavailable() -> ArmError:
    """503 a flaky- resource answers first (retryable, with Retry-After)."""
    return ArmError(
        503,
        "ServiceUnavailable",
        "The service is temporarily unavailable. Please retry the request after some time.",
        headers={"Retry-After": "1"},
    )


def too_many_requests() -> ArmError:
    """429 ARM throttling, as a flaky- resource answers second."""
    return ArmError(
        429,
        "TooManyRequests",
        "The request is being throttled as the limit has been reached for operation type - "
        "Write_ObservationWindow_00:05:00. For more information, see - "
        "https://aka.ms/srpthrottlinglimits",
        headers={"Retry-After": "1"},
    )


def authorization_failed(subscription_id: str, resource_group: str, name: str) -> ArmError:
    """403 for denied- clusters: the caller lacks managedClusters/write on the scope."""
    scope = (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{name}"
    )
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{SIMULATED_CLIENT_ID}' with object id '{SIMULATED_OBJECT_ID}' does not have "
        "authorization to perform action 'Microsoft.ContainerService/managedClusters/write' over "
        f"scope '{scope}' or the scope is invalid. If access was recently granted, please refresh "
        "your credentials.",
    )


def vcpus_of(vm_size: str) -> int:
    """vCPUs of a VM size, read from its name (Standard_D4s_v3 -> 4); 2 when unreadable."""
    match = re.match(r"^Standard_[A-Za-z]+(\d+)", vm_size)
    return int(match.group(1)) if match else 2


def quota_exceeded(subscription_id: str, location: str, required_cores: int) -> ArmError:
    """400 QuotaExceeded worded like Compute's regional-cores quota error, link included."""
    additional = max(required_cores, QUOTA_CURRENT_LIMIT - QUOTA_CURRENT_USAGE + 1)
    new_limit = QUOTA_CURRENT_USAGE + additional
    parameters = {
        "subscriptionId": subscription_id,
        "command": "openQuotaApprovalBlade",
        "quotas": [
            {
                "location": location,
                "providerId": "Microsoft.Compute",
                "resourceName": "cores",
                "quotaRequest": {
                    "properties": {"limit": new_limit, "unit": "Count", "name": {"value": "cores"}}
                },
            }
        ],
    }
    encoded = (
        json.dumps(parameters, separators=(",", ":"))
        .replace("{", "%7B")
        .replace("}", "%7D")
        .replace('"', "%22")
    )
    link = (
        "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView"
        f"/Parameters/{encoded}"
    )
    return ArmError(
        400,
        "QuotaExceeded",
        "Operation could not be completed as it results in exceeding approved Total Regional "
        "Cores quota. Additional details - Deployment Model: Resource Manager, "
        f"Location: {location}, Current Limit: {QUOTA_CURRENT_LIMIT}, "
        f"Current Usage: {QUOTA_CURRENT_USAGE}, Additional Required: {additional}, "
        f"(Minimum) New Limit Required: {new_limit}. Submit a request for Quota increase at "
        f"{link} by specifying parameters listed in the \u2018Details\u2019 section for "
        "deployment to succeed. Please read more about quota limits at "
        "https://docs.microsoft.com/en-us/azure/azure-supportability/regional-quota-requests",
    )


def sku_not_available(vm_size: str, location: str) -> ArmError:
    """400 SkuNotAvailable worded like Compute's capacity-restriction error."""
    return ArmError(
        400,
        "SkuNotAvailable",
        "The requested VM size for resource 'Following SKUs have failed for Capacity "
        f"Restrictions: {vm_size}' is currently not available in location '{location}'. "
        "Please try another size or deploy to a different location or different zone. "
        "See https://aka.ms/azureskunotavailable for details.",
    )


def vm_extension_provisioning_error() -> dict[str, Any]:
    """The async failure of fail- clusters: the node bootstrap extension failed."""
    return error_detail(
        "VMExtensionProvisioningError",
        "VM has reported a failure when processing extension 'vmssCSE' (publisher "
        "'Microsoft.Azure.Extensions' and type 'CustomScript'). Error message: \"Enable failed: "
        'failed to execute command: command terminated with exit status=50". More information '
        "on troubleshooting is available at https://aka.ms/VMExtensionCSELinuxTroubleshoot.",
    )


def operation_cancelled() -> dict[str, Any]:
    """The error a create operation ends with after abort."""
    return error_detail(
        "OperationCancelled",
        "The operation was cancelled by a request to abort the latest operation on this "
        "managed cluster.",
    )


def operation_preempted() -> dict[str, Any]:
    """The error a create operation ends with when a delete supersedes it."""
    return error_detail(
        "OperationPreempted",
        "The operation was preempted by a delete operation on this managed cluster.",
    )


def pending_operation(provisioning_state: str) -> ArmError:
    """409 for a write while another operation runs (classified transient).

    AKS's wording, e.g. as quoted in Azure/azure-workload-identity#417: "Operation is not
    allowed: Another operation (nodepool1 - Updating) is in progress, please wait for it to
    finish before starting a new operation. See https://aka.ms/aks-pending-operation ...".
    """
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation is not allowed: Another operation ({provisioning_state}) is in progress, "
        "please wait for it to finish before starting a new operation. See "
        "https://aka.ms/aks-pending-operation for more details",
    )


# AKS documents 412 for a failed If-Match / If-None-Match (learn.microsoft.com/azure/aks/use-etags)
# but not its wording; these follow ARM's PreconditionFailed code with a message naming the cause.
def precondition_failed_exists(name: str, kind: str = "managed cluster") -> ArmError:
    """412 for If-None-Match: * when the managed cluster (or agent pool) already exists."""
    return ArmError(
        412,
        "PreconditionFailed",
        f"Operation is not allowed: {kind} '{name}' already exists and the request "
        "carries 'If-None-Match: *'.",
    )


def precondition_failed_missing(name: str, kind: str = "managed cluster") -> ArmError:
    """412 for If-Match when there is no managed cluster (or agent pool) to match."""
    return ArmError(
        412,
        "PreconditionFailed",
        f"Operation is not allowed: {kind} '{name}' does not exist, so the eTag in "
        "the 'If-Match' header cannot match.",
    )


def precondition_failed_mismatch(name: str, given: str, kind: str = "managed cluster") -> ArmError:
    """412 for If-Match with an eTag that is not the resource's current one."""
    return ArmError(
        412,
        "PreconditionFailed",
        f"Operation is not allowed: the eTag '{given}' in the 'If-Match' header does not match "
        f"the current eTag of {kind} '{name}'.",
    )


def nothing_to_abort(name: str, provisioning_state: str) -> ArmError:
    """409 for abort when no abortable operation runs (deliberately no "in progress" wording)."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Managed cluster '{name}' has no running create or update operation to abort: its "
        f"latest operation ended with provisioning state '{provisioning_state}'.",
    )


def delete_not_abortable(name: str) -> ArmError:
    """409 for abort while the cluster is being deleted."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"The delete operation on managed cluster '{name}' cannot be aborted.",
    )


def kubernetes_version_not_supported(version: str) -> ArmError:
    """400 for a version the region does not offer (AKS's code and wording).

    As quoted in elastic/cloud-on-k8s#2760 and sassoftware/viya4-iac-azure#194.
    """
    return ArmError(
        400,
        "AgentPoolK8sVersionNotSupported",
        f"Version {version} is not supported in this region. Please use [az aks get-versions] "
        "command to get the supported version list in this region. For more information, "
        "please check https://aka.ms/supported-version-list",
    )


def kubernetes_downgrade_not_allowed(current: str, target: str) -> ArmError:
    """400 for a kubernetesVersion older than the cluster's (AKS never downgrades)."""
    return invalid_parameter(
        "properties.kubernetesVersion",
        f"upgrading from {current} to {target} is a downgrade, which is not allowed.",
    )


def state_forbids(provisioning_state: str, power_state: str, action: str) -> ArmError:
    """409 when the cluster's power state forbids an operation (e.g. scaling a stopped cluster).

    Wording after AKS's refusal quoted in MicrosoftDocs/azure-docs#85161: "managed cluster is in
    Provisioning State(Succeeded) and Power State(Stopped), stopping cannot be performed".
    No "in progress" wording: retrying cannot help, so the classifier must not call it transient.
    """
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Managed cluster is in Provisioning State({provisioning_state}) and Power "
        f"State({power_state}), {action} cannot be performed",
    )


def pending_agent_pool_operation(pool_name: str, provisioning_state: str) -> ArmError:
    """409 for a write while an agent-pool operation runs (AKS wording, cilium/cilium#25944)."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation is not allowed: Another agentpool operation ({pool_name} - "
        f"{provisioning_state}) is in progress, please wait for it to finish before starting a "
        "new operation. See https://aka.ms/aks-pending-operation for more details",
    )


def agent_pool_not_found(resource_group: str, cluster_name: str, pool_name: str) -> ArmError:
    """404 for an agent pool the cluster does not have."""
    return ArmError(
        404,
        "NotFound",
        f"Could not find the agent pool '{pool_name}' of managed cluster '{cluster_name}' in "
        f"resource group '{resource_group}'.",
    )


def last_system_pool() -> ArmError:
    """400 for deleting the only System pool (AKS's wording, as rancher's AKS tests expect it).

    Every cluster must keep a System pool (learn.microsoft.com/azure/aks/use-system-pools).
    """
    return ArmError(400, "OperationNotAllowed", "There has to be at least one system agent pool.")


def manual_scale_with_autoscaler(pool_name: str) -> ArmError:
    """400 for a count change on a pool whose autoscaler is (or is being turned) on.

    AKS's wording, as quoted in Azure/AKS#1248 ("Operation failed with status: 'Bad Request'").
    """
    return ArmError(
        400,
        "BadRequest",
        "Cannot manually scale and enable cluster autoscaler in the same update operation on "
        f"VMSS Agentpool '{pool_name}'.",
    )


def required_parameter_missing(target: str) -> ArmError:
    """400 InvalidParameter for a required field the body left out (e.g. a new pool's count).

    AKS's wording, as quoted in pulumi/pulumi-azure-native#2943.
    """
    return ArmError(
        400, "InvalidParameter", f"Required parameter {target} is missing (null).", target
    )


def role_assignment_exists() -> ArmError:
    """409 when the name holds another assignment, or the principal already has the role."""
    return ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")


def invalid_principal_id(principal_id: str) -> ArmError:
    """400 for a principalId that is not a GUID (an Entra object id always is)."""
    return ArmError(
        400,
        "InvalidPrincipalId",
        f"The Principal ID '{principal_id}' is not valid. Principal ID must be a GUID.",
    )


def role_assignment_not_found(name: str) -> ArmError:
    """404 for a GET of a role assignment that does not exist."""
    return ArmError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")


def role_assignment_denied(action: str, scope: str) -> ArmError:
    """403 when the app's identity may not write or delete role assignments at the scope."""
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{SIMULATED_CLIENT_ID}' with object id '{SIMULATED_OBJECT_ID}' does not have "
        f"authorization to perform action '{action}' over scope '{scope}' or the scope is "
        "invalid. If access was recently granted, please refresh your credentials.",
    )


def static_credential_not_allowed() -> ArmError:
    """400 for listClusterAdminCredential on a cluster whose local accounts are disabled."""
    return ArmError(
        400,
        "BadRequest",
        "Getting static credential is not allowed because this cluster is set to disable "
        "local accounts: local accounts are disabled.",
    )
