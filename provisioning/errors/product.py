"""The product's own failures (not ARM's words): each a ClassifiedError with its advice.

ARM's own errors are classified in `arm_errors`; everything the app itself concludes (the user
cancelled, time ran out, the cluster vanished, the workflow was lost) is worded here, once.
"""

from __future__ import annotations

from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory

ARM_NOT_ANSWERING_STEP = "Azure is not answering; still trying"
ARM_SERVICE_NAME = "Azure Resource Manager"
PORTAL_ACTION_LABEL = "Open cluster in Azure portal"
DELETE_ACTION_LABEL = "Delete partial cluster"

PROVISIONING_FAILED = ClassifiedError(
    code="ProvisioningFailed",
    category=ErrorCategory.UNKNOWN,
    message="The cluster ended in the Failed state.",
    retryable=True,
)
CLUSTER_DISAPPEARED = ClassifiedError(
    code="ClusterDisappeared",
    category=ErrorCategory.CONFLICT,
    message="The cluster resource disappeared while it was being created "
    "(deleted outside this app?).",
    retryable=True,
)
DELETE_FAILED = ClassifiedError(
    code="DeleteFailed",
    category=ErrorCategory.UNKNOWN,
    message="Azure could not delete the cluster; check it in the portal.",
    retryable=True,
)


def partial_cluster_actions(portal_url: str | None) -> tuple[ErrorAction, ...]:
    """Actions for a cluster resource left behind: open it in the portal, delete it."""
    deletion = ErrorAction(kind="delete_cluster", label=DELETE_ACTION_LABEL, url=None)
    return (*_portal_actions(portal_url), deletion)


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
    return ClassifiedError(
        code="DeadlineExceeded",
        category=ErrorCategory.UNKNOWN,
        message=(
            f"The cluster was not ready within {minutes} minutes. It may still be creating on "
            "Azure: check it in the portal before trying again."
        ),
        retryable=True,
        actions=_portal_actions(portal_url),
    )


def start_failure_error(reason: str) -> ClassifiedError:
    """The failure of an attempt whose orchestration could not be started."""
    return ClassifiedError(
        code="OrchestrationNotStarted",
        category=ErrorCategory.TRANSIENT,
        message=f"The attempt could not be started: {reason}",
        retryable=True,
    )


def cluster_exists_error(cluster_name: str, resource_group: str) -> ClassifiedError:
    """A create refused because the name is taken by a cluster this attempt must not change."""
    return ClassifiedError(
        code="ClusterAlreadyExists",
        category=ErrorCategory.CONFLICT,
        message=(
            f"A cluster named '{cluster_name}' already exists in resource group "
            f"'{resource_group}', and this attempt did not create it, so it was left "
            "unchanged. Choose another cluster name (scaling or upgrading an existing "
            "cluster is done from Your clusters)."
        ),
        retryable=False,
        actions=(ErrorAction(kind="edit", label="Choose another cluster name"),),
    )


def orchestration_lost_error() -> ClassifiedError:
    """The attempt's workflow no longer exists (terminated or lost), so it cannot finish."""
    return ClassifiedError(
        code="OrchestrationLost",
        category=ErrorCategory.UNKNOWN,
        message=(
            "The workflow that ran this attempt no longer exists, so it was marked failed. "
            "Check the cluster in the Azure portal before trying again."
        ),
        retryable=True,
    )


def arm_unreachable_message(code: str) -> str:
    """A user-facing message for a network fault: names the service, never an address."""
    if code == "Timeout":
        return f"{ARM_SERVICE_NAME} did not answer in time; try again shortly."
    return f"{ARM_SERVICE_NAME} did not answer (network error); try again shortly."


def cluster_not_ours_error(cluster_name: str, resource_group: str) -> ClassifiedError:
    """A cleanup refused: the cluster there now is neither this attempt's nor the caller's."""
    return ClassifiedError(
        code="ClusterNotOwned",
        category=ErrorCategory.CONFLICT,
        message=(
            f"The cluster '{cluster_name}' in resource group '{resource_group}' was not "
            "created by this attempt and is not yours, so it was not deleted."
        ),
        retryable=False,
    )


def cluster_changing_error(cluster_name: str, resource_group: str) -> ClassifiedError:
    """A cleanup gave up because the cluster kept changing under it (nothing was deleted)."""
    return ClassifiedError(
        code="ClusterChanging",
        category=ErrorCategory.CONFLICT,
        message=(
            f"The cluster '{cluster_name}' in resource group '{resource_group}' kept "
            "changing while it was being deleted, so it was left alone; try again shortly."
        ),
        retryable=True,
    )


def _portal_actions(portal_url: str | None) -> tuple[ErrorAction, ...]:
    """The portal link to the cluster, when its address is known."""
    if not portal_url:
        return ()
    return (ErrorAction(kind="portal", label=PORTAL_ACTION_LABEL, url=portal_url),)


def operation_failed_error(verb: str, cluster_name: str) -> ClassifiedError:
    """A lifecycle operation ARM accepted ended with the cluster in the Failed state."""
    return ClassifiedError(
        code="OperationFailed",
        category=ErrorCategory.UNKNOWN,
        message=f"Azure could not {verb} the cluster '{cluster_name}'; it is now in the "
        "Failed state. Check it in the Azure portal.",
        retryable=True,
    )


def pool_exists_error(pool_name: str, cluster_name: str) -> ClassifiedError:
    """A pool add that found a pool of that name it did not make: nothing was changed."""
    return ClassifiedError(
        code="PoolAlreadyExists",
        category=ErrorCategory.CONFLICT,
        message=f"The cluster '{cluster_name}' already has a node pool named '{pool_name}' "
        "that this attempt did not add, so it was left alone; choose another name.",
        retryable=False,
    )


def operation_cancelled_error(cluster_name: str) -> ClassifiedError:
    """A lifecycle operation the user cancelled: Azure was asked to abort it."""
    return ClassifiedError(
        code="Cancelled",
        category=ErrorCategory.CANCELLED,
        message=f"The operation was cancelled and Azure was asked to abort it; check the "
        f"state of '{cluster_name}' before trying again.",
        retryable=True,
    )
