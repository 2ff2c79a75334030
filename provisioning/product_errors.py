"""The product's own failures (not ARM's words): each a ClassifiedError with its advice."""

from __future__ import annotations

import logging

from provisioning.models import ClassifiedError, ErrorAction, ErrorCategory

logger = logging.getLogger(__name__)

ARM_NOT_ANSWERING_STEP = "Azure is not answering; still trying"
ARM_SERVICE_NAME = "Azure Resource Manager"


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
