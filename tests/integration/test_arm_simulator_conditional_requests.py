"""Conditional PUT/DELETE, eTags and tags on managedClusters, through the real SDK client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.mgmt.containerservice import ContainerServiceClient

from tests.arm_fixtures import (
    SIMULATOR_RESOURCE_GROUP,
    SIMULATOR_SUBSCRIPTION_ID,
    ArmSimulator,
    managed_cluster_body,
)

RG = SIMULATOR_RESOURCE_GROUP
STALE_ETAG = "00000000-0000-0000-0000-0000000e7a90"


def created(client: ContainerServiceClient, name: str, **tags: str) -> str:
    """Create a cluster to completion and return its eTag."""
    client.managed_clusters.begin_create_or_update(
        RG, name, managed_cluster_body(tags=tags or None)
    ).result()
    return client.managed_clusters.get(RG, name).e_tag


def test_create_if_missing_succeeds_once_then_answers_412_precondition_failed(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("demo-")
    first = arm_client.managed_clusters.begin_create_or_update(
        RG, name, managed_cluster_body(), match_condition=MatchConditions.IfMissing
    )
    assert first.result().provisioning_state == "Succeeded"
    with pytest.raises(ResourceExistsError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RG, name, managed_cluster_body(), match_condition=MatchConditions.IfMissing
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert name in caught.value.error.message


def test_create_if_missing_is_refused_while_the_cluster_is_still_creating(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("slow-")
    arm_client.managed_clusters.begin_create_or_update(RG, name, managed_cluster_body())
    with pytest.raises(ResourceExistsError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RG, name, managed_cluster_body(), match_condition=MatchConditions.IfMissing
        )
    assert caught.value.status_code == 412
    arm_client.managed_clusters.begin_abort_latest_operation(RG, name).result()


def test_update_with_current_etag_succeeds_and_changes_the_etag(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("demo-")
    etag = created(arm_client, name)
    assert etag
    updated = arm_client.managed_clusters.begin_create_or_update(
        RG,
        name,
        managed_cluster_body(count=5),
        etag=etag,
        match_condition=MatchConditions.IfNotModified,
    ).result()
    assert updated.agent_pool_profiles[0].count == 5
    assert updated.e_tag != etag
    assert arm_client.managed_clusters.get(RG, name).e_tag == updated.e_tag


def test_update_with_stale_etag_answers_412_and_leaves_the_cluster_unchanged(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("demo-")
    etag = created(arm_client, name)
    with pytest.raises(ResourceModifiedError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RG,
            name,
            managed_cluster_body(count=7),
            etag=STALE_ETAG,
            match_condition=MatchConditions.IfNotModified,
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    cluster = arm_client.managed_clusters.get(RG, name)
    assert (cluster.e_tag, cluster.agent_pool_profiles[0].count) == (etag, 3)


def test_put_if_match_on_a_missing_cluster_answers_412_and_creates_nothing(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("demo-")
    with pytest.raises(ResourceModifiedError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RG,
            name,
            managed_cluster_body(),
            etag=STALE_ETAG,
            match_condition=MatchConditions.IfNotModified,
        )
    assert caught.value.status_code == 412
    with pytest.raises(ResourceNotFoundError):
        arm_client.managed_clusters.get(RG, name)


def test_delete_with_stale_etag_answers_412_and_with_current_etag_deletes(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("demo-")
    etag = created(arm_client, name)
    with pytest.raises(ResourceModifiedError) as caught:
        arm_client.managed_clusters.begin_delete(
            RG, name, etag=STALE_ETAG, match_condition=MatchConditions.IfNotModified
        )
    assert caught.value.status_code == 412
    assert arm_client.managed_clusters.get(RG, name).provisioning_state == "Succeeded"
    arm_client.managed_clusters.begin_delete(
        RG, name, etag=etag, match_condition=MatchConditions.IfNotModified
    ).result()
    with pytest.raises(ResourceNotFoundError):
        arm_client.managed_clusters.get(RG, name)


def test_delete_if_match_of_a_missing_cluster_answers_412(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    with pytest.raises(ResourceModifiedError) as caught:
        arm_client.managed_clusters.begin_delete(
            RG,
            unique_cluster_name("absent-"),
            etag=STALE_ETAG,
            match_condition=MatchConditions.IfNotModified,
        )
    assert caught.value.status_code == 412


def test_retry_with_if_match_on_a_failed_cluster_starts_a_new_create(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("failonce-")
    with pytest.raises(HttpResponseError):
        arm_client.managed_clusters.begin_create_or_update(
            RG, name, managed_cluster_body()
        ).result()
    failed = arm_client.managed_clusters.get(RG, name)
    assert failed.provisioning_state == "Failed"
    retry = arm_client.managed_clusters.begin_create_or_update(
        RG,
        name,
        managed_cluster_body(),
        etag=failed.e_tag,
        match_condition=MatchConditions.IfNotModified,
    )
    assert arm_client.managed_clusters.get(RG, name).provisioning_state == "Creating"
    assert retry.result().provisioning_state == "Succeeded"


def test_retry_with_if_match_on_a_canceled_cluster_starts_a_new_create(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("slow-")
    arm_client.managed_clusters.begin_create_or_update(RG, name, managed_cluster_body())
    arm_client.managed_clusters.begin_abort_latest_operation(RG, name).result()
    canceled = arm_client.managed_clusters.get(RG, name)
    assert canceled.provisioning_state == "Canceled"
    arm_client.managed_clusters.begin_create_or_update(
        RG,
        name,
        managed_cluster_body(),
        etag=canceled.e_tag,
        match_condition=MatchConditions.IfNotModified,
    )
    assert arm_client.managed_clusters.get(RG, name).provisioning_state == "Creating"
    arm_client.managed_clusters.begin_abort_latest_operation(RG, name).result()


def test_put_while_creating_answers_409_operation_not_allowed_in_aks_wording(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("slow-")
    arm_client.managed_clusters.begin_create_or_update(RG, name, managed_cluster_body())
    etag = arm_client.managed_clusters.get(RG, name).e_tag
    with pytest.raises(HttpResponseError) as caught:
        arm_client.managed_clusters.begin_create_or_update(
            RG,
            name,
            managed_cluster_body(),
            etag=etag,
            match_condition=MatchConditions.IfNotModified,
        )
    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"
    assert caught.value.error.message.startswith(
        "Operation is not allowed: Another operation (Creating) is in progress, please wait"
    )
    arm_client.managed_clusters.begin_abort_latest_operation(RG, name).result()


def test_tags_of_the_put_body_are_stored_returned_and_replaced_on_update(
    arm_client: ContainerServiceClient, unique_cluster_name: Callable[[str], str]
) -> None:
    name = unique_cluster_name("demo-")
    tags = {"created-by": "aks-provisioning", "owner": "oid-1", "task-id": "t-1"}
    created(arm_client, name, **tags)
    assert arm_client.managed_clusters.get(RG, name).tags == tags
    arm_client.managed_clusters.begin_create_or_update(
        RG, name, managed_cluster_body(tags={"owner": "oid-2"})
    ).result()
    assert arm_client.managed_clusters.get(RG, name).tags == {"owner": "oid-2"}


def test_get_and_put_answers_carry_the_etag_as_a_quoted_etag_header(
    arm_simulator: ArmSimulator, unique_cluster_name: Callable[[str], str]
) -> None:
    url = (
        f"{arm_simulator.base_url}/subscriptions/{SIMULATOR_SUBSCRIPTION_ID}/resourceGroups/{RG}"
        f"/providers/Microsoft.ContainerService/managedClusters/{unique_cluster_name('demo-')}"
        "?api-version=2026-08-01"
    )
    trust = {"headers": {"Authorization": "Bearer test"}, "verify": arm_simulator.cert_path}
    put = requests.put(url, json=managed_cluster_body(), timeout=10, **trust)
    get = requests.get(url, timeout=10, **trust)
    assert put.status_code == 201
    assert put.headers["ETag"] == f'"{put.json()["eTag"]}"'
    assert get.headers["ETag"] == put.headers["ETag"]
