"""The kubeconfig a user downloads: the cluster user credential in exec form, never a secret.

Only for the caller's own cluster (owner tag), only when it signs people in with Entra ID and
has no local accounts (a local account's credential is a client certificate: a secret), and
only while it has an API server. The product never asks ARM for the admin credential.
"""

from __future__ import annotations

import logging
from typing import Any

from provisioning.clusters.inventory import read_one_cluster
from provisioning.models import AccessMode
from provisioning.operations.lifecycle import ClusterNotFound
from provisioning.requests.validation import CLUSTER_NAME_PATTERN, RESOURCE_GROUP_PATTERN

logger = logging.getLogger(__name__)

# kubelogin's exec plugin form: the kubeconfig runs `kubelogin get-token`, it holds no token.
KUBECONFIG_FORMAT = "exec"
KUBECONFIG_MEDIA_TYPE = "application/yaml"


class LocalAccountsEnabled(Exception):
    """The cluster has local accounts: its credential would be a secret (409)."""


class ClusterNotRunning(Exception):
    """The cluster has no API server to connect to now (409): none yet, or stopped."""


class AzureUnavailable(Exception):
    """Azure did not answer the credential request (503); the text says what failed."""


def kubeconfig_filename(cluster_name: str) -> str:
    """The download's file name (cluster names are letters, digits, '-' and '_' only)."""
    return f"{cluster_name}.kubeconfig"


def user_kubeconfig(client: Any, owner_id: str, resource_group: str, cluster_name: str) -> bytes:
    """The caller's kubeconfig for their Entra cluster: listClusterUserCredential(format=exec)."""
    from azure.core.exceptions import AzureError

    if not RESOURCE_GROUP_PATTERN.fullmatch(resource_group) or not (
        CLUSTER_NAME_PATTERN.fullmatch(cluster_name)
    ):
        raise ClusterNotFound(f"{resource_group}/{cluster_name}")
    try:
        view = read_one_cluster(client, resource_group, cluster_name)
    except AzureError as exc:
        logger.warning("could not read %s/%s: %s", resource_group, cluster_name, exc)
        raise AzureUnavailable("Azure did not answer; try again shortly.") from exc
    if view is None or not view.ownership().owned_by(owner_id):
        raise ClusterNotFound(f"{resource_group}/{cluster_name}")
    if view.access_mode is not AccessMode.ENTRA:
        raise LocalAccountsEnabled(
            f"Cluster '{cluster_name}' has local accounts, so its credential would be a "
            "secret; connect with 'az aks get-credentials' instead."
        )
    if not view.has_server:
        raise ClusterNotRunning(
            f"Cluster '{cluster_name}' has no running API server now"
            f" (power state {view.power_state or 'unknown'}); start it, then download again."
        )
    try:
        result = client.managed_clusters.list_cluster_user_credentials(
            resource_group, cluster_name, format=KUBECONFIG_FORMAT
        )
    except AzureError as exc:
        logger.warning("no user credential for %s/%s: %s", resource_group, cluster_name, exc)
        raise AzureUnavailable("Azure did not hand out the kubeconfig; try again.") from exc
    kubeconfigs = result.kubeconfigs or []
    if not kubeconfigs or not kubeconfigs[0].value:
        raise AzureUnavailable("Azure returned no kubeconfig; try again.")
    return bytes(kubeconfigs[0].value)
