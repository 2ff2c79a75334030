"""GET /api/aks/options and POST /api/aks/preflight over HTTP through the local host."""

from __future__ import annotations

import time
import uuid

from tests.stack_fixtures import LocalStack


def body(**fields: object) -> dict[str, object]:
    return {
        "cluster_name": f"pre-{uuid.uuid4().hex[:8]}",
        "resource_group": "rg-e2e",
        "region": "eastus",
        **fields,
    }


def test_options_answer_the_contract_shape(local_stack: LocalStack) -> None:
    response = local_stack.user("pre").get("/api/aks/options", params={"region": "westus3"})

    assert response.status_code == 200, response.text
    document = response.json()
    assert set(document) == {
        "region",
        "regions",
        "vm_sizes",
        "kubernetes_versions",
        "currency",
        "limits",
        "degraded",
    }
    assert document["region"] == "westus3" and document["degraded"] is False
    size = document["vm_sizes"][0]
    assert set(size) == {
        "name",
        "vcpus",
        "memory_gib",
        "family",
        "zones",
        "available",
        "reason",
        "price_per_hour",
    }
    d8 = next(s for s in document["vm_sizes"] if s["name"] == "Standard_D8s_v5")
    assert (d8["available"], d8["reason"]) == (False, "NotAvailableForSubscription")
    assert set(document["kubernetes_versions"][0]) == {"version", "default", "preview"}


def test_options_default_to_eastus_and_refuse_a_region_naming_it(local_stack: LocalStack) -> None:
    user = local_stack.user("pre")
    assert user.get("/api/aks/options").json()["region"] == "eastus"
    for region in ("southindia", "Not A Region", "eastus,westus"):
        refused = user.get("/api/aks/options", params={"region": region})
        assert refused.status_code == 400, (region, refused.text)
        assert refused.json()["error"]["field"] == "region"


def test_preflight_answers_checks_quota_and_cost(local_stack: LocalStack) -> None:
    started = time.monotonic()
    response = local_stack.user("pre").post(
        "/api/aks/preflight",
        json=body(
            node_vm_size="Standard_D4s_v5",
            node_count=2,
            user_pool={"node_vm_size": "Standard_D2s_v5", "node_count": 1},
        ),
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"ok", "checks", "quota", "cost"}
    assert [c["id"] for c in answer["checks"]] == [
        "vm_size",
        "quota",
        "resource_group",
        "permission",
        "kubernetes_version",
        "cluster_name",
    ]
    assert answer["ok"] is True
    assert answer["quota"]["needed_vcpus"] == 10
    assert set(answer["cost"]) == {"per_hour", "per_month", "currency"}
    assert elapsed < 30  # a sanity bound only; latency is measured in make bench


def test_preflight_validates_exactly_like_provision(local_stack: LocalStack) -> None:
    user = local_stack.user("pre")
    for bad, field in (
        (body(node_count=0), "node_count"),
        (body(kubernetes_version="latest"), "kubernetes_version"),
        (body(user_pool={"node_vm_size": "Standard_D2s_v5"}), "user_pool.node_count"),
        (body(extra=1), "extra"),
    ):
        preflight = user.post("/api/aks/preflight", json=bad)
        provision = user.post("/api/aks/provision", json=bad)
        assert preflight.status_code == provision.status_code == 400
        assert preflight.json() == provision.json()
        assert preflight.json()["error"]["field"] == field


def test_preflight_is_a_post_with_the_same_cross_site_rules(local_stack: LocalStack) -> None:
    user = local_stack.user("pre")
    foreign = user.post(
        "/api/aks/preflight", json=body(), headers={"Origin": "https://evil.example"}
    )
    text = user.post("/api/aks/preflight", data="{}", headers={"Content-Type": "text/plain"})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "cross_origin"
    assert text.status_code == 415


def test_preflight_never_creates_anything(local_stack: LocalStack) -> None:
    user = local_stack.user(f"pre-{uuid.uuid4().hex[:6]}")
    user.post("/api/aks/preflight", json=body())
    assert user.get("/api/aks/provisions").json()["jobs"] == []
