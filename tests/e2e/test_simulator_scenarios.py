"""Every ARM simulator scenario, through the HTTP API, the orchestration and the real SDKs."""

from __future__ import annotations

import uuid

from tests.stack_fixtures import LocalStack


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _action_kinds(document: dict) -> list[str]:
    return [action["kind"] for action in document["error"]["actions"]]


def test_default_cluster_succeeds_with_portal_link(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    name = _name("ok-")
    document = user.wait(user.provision(name))
    assert document["status"] == "succeeded"
    assert document["error"] is None
    assert document["progress"]["cluster_state"] == "Succeeded"
    assert document["progress"]["cluster_seen"] is True
    assert document["progress"]["portal_url"].startswith("https://portal.azure.com/#@")
    assert document["progress"]["portal_url"].endswith(f"/managedClusters/{name}/overview")
    assert document["progress"]["step_index"] == document["progress"]["total_steps"]


def test_quota_rejection_fails_at_once_with_quota_link(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    document = user.wait(user.provision(_name("quota-")))
    assert document["status"] == "failed"
    assert document["error"]["code"] == "QuotaExceeded"
    assert document["error"]["category"] == "quota"
    assert document["error"]["retryable"] is False
    links = [a for a in document["error"]["actions"] if a["kind"] == "link"]
    assert links and links[0]["url"].startswith("https://")
    assert document["progress"]["cluster_seen"] is False
    assert document["progress"]["portal_url"] is None


def test_unavailable_sku_is_classified_with_edit_action(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    document = user.wait(user.provision(_name("nosku-")))
    assert document["status"] == "failed"
    assert (document["error"]["code"], document["error"]["category"]) == ("SkuNotAvailable", "sku")
    assert document["error"]["retryable"] is False
    assert "edit" in _action_kinds(document)
    assert document["progress"]["cluster_seen"] is False


def test_authorization_failure_is_a_permission_error(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    document = user.wait(user.provision(_name("denied-")))
    assert document["status"] == "failed"
    assert document["error"]["code"] == "AuthorizationFailed"
    assert document["error"]["category"] == "permission"
    assert document["error"]["retryable"] is False
    assert document["progress"]["cluster_seen"] is False


def test_async_failure_after_accept_leaves_a_partial_cluster(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    name = _name("fail-")
    document = user.wait(user.provision(name))
    assert document["status"] == "failed"
    assert document["error"]["code"] == "VMExtensionProvisioningError"
    assert document["progress"]["cluster_seen"] is True
    assert document["progress"]["cluster_state"] == "Failed"
    assert document["progress"]["portal_url"].endswith(f"/managedClusters/{name}/overview")
    assert {"portal", "delete_cluster"} <= set(_action_kinds(document))


def test_slow_cluster_cancelled_after_it_was_seen_offers_portal_and_delete(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("scenario")
    name = _name("slow-")
    task_id = user.provision(name)
    user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
    response = user.post(f"/api/tasks/{task_id}/cancel")
    assert response.status_code == 202
    assert response.json() == {"task_id": task_id, "status": "cancelling", "was_running": True}
    document = user.wait(task_id)
    assert document["status"] == "cancelled"
    assert document["error"]["category"] == "cancelled"
    assert document["progress"]["cluster_seen"] is True
    portal = [a for a in document["error"]["actions"] if a["kind"] == "portal"]
    assert portal and portal[0]["url"] == document["progress"]["portal_url"]
    assert "delete_cluster" in _action_kinds(document)


def test_throttled_and_unavailable_arm_is_retried_into_success(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    document = user.wait(user.provision(_name("flaky-")))
    assert document["status"] == "succeeded"
    assert document["error"] is None


def test_fail_once_then_retry_succeeds_and_resolves_the_failure(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario-resolve")
    name = _name("failonce-")
    first = user.wait(user.provision(name))
    assert first["status"] == "failed"
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert first["task_id"] in [job["task_id"] for job in recent]
    second = user.wait(user.provision(name))
    assert second["status"] == "succeeded"
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert first["task_id"] not in [job["task_id"] for job in recent]


def test_missing_resource_group_is_an_invalid_request(local_stack: LocalStack) -> None:
    user = local_stack.user("scenario")
    document = user.wait(user.provision(_name("ok-"), resource_group="missing-rg"))
    assert document["status"] == "failed"
    assert document["error"]["code"] == "ResourceGroupNotFound"
    assert document["error"]["category"] == "invalid_request"
    assert document["progress"]["cluster_seen"] is False
