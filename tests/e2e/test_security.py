"""Attacks on the local stack that the existing API tests do not already cover.

Covered elsewhere (and named in docs/reliability.md): spoofed principals without platform auth
(test_identity_trust.py), malformed principals and unsafe owner ids, the Static Web Apps shape
and the 16 KiB body limit (test_api_provision.py), and text-only rendering of hostile server
strings in the dashboard (the dashboard tests' hostile snapshot).
"""

from __future__ import annotations

import uuid

import pytest
import requests

from provisioning.arm_credentials import SimulatorCredential
from provisioning.identity import encode_swa_principal
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID, ArmSimulator
from tests.stack_fixtures import LocalStack

STATIC_PATHS = ["/", "/index.html", "/js/app.js", "/css/app.css", "/no-such-file.js"]


@pytest.mark.parametrize("path", STATIC_PATHS)
def test_static_responses_carry_their_security_headers(local_stack: LocalStack, path: str) -> None:
    response = requests.get(local_stack.base_url + path, timeout=10)
    policy = response.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";") if d.strip()}
    assert directives["default-src"] == "default-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_answers_are_json_that_browsers_will_not_sniff(local_stack: LocalStack) -> None:
    user = local_stack.user("headers")
    for response in (
        user.get("/api/aks/provisions"),
        user.get("/api/tasks/nope"),
        user.post("/api/aks/provision", json={"cluster_name": "<b>"}),
    ):
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


def test_both_principal_shapes_reach_the_same_rules(local_stack: LocalStack) -> None:
    user_id = uuid.uuid4().hex
    swa = {"x-ms-client-principal": encode_swa_principal(user_id, "swa-user")}
    body = {"cluster_name": f"quota-{uuid.uuid4().hex[:8]}", "resource_group": "rg-swa",
            "region": "eastus"}
    accepted = requests.post(
        f"{local_stack.base_url}/api/aks/provision", json=body, headers=swa, timeout=10
    )
    assert accepted.status_code == 202
    task_id = accepted.json()["task_id"]
    mine = requests.get(f"{local_stack.base_url}/api/tasks/{task_id}", headers=swa, timeout=10)
    assert mine.status_code == 200
    other = local_stack.user("easyauth-other").get(f"/api/tasks/{task_id}")
    assert other.status_code == 404


@pytest.mark.parametrize(
    "query", ["?limit=5&limit=abc", "?limit=&limit=abc", "?hours=1&hours=2", "?limit=3&limit=4"]
)
def test_repeated_query_parameters_are_refused_not_silently_half_read(
    local_stack: LocalStack, query: str
) -> None:
    # Azure's host hands the worker repeated values joined with "," (ASP.NET StringValues), so
    # "?limit=5&limit=abc" is "5,abc" there: the local host must not quietly keep the first.
    user = local_stack.user("pollution")
    response = user.get(f"/api/aks/recent-failed-provisions{query}")
    assert response.status_code == 400
    assert response.json()["error"]["field"] in {"limit", "hours"}


def _simulator_error_message(
    simulator: ArmSimulator, resource_group: str, cluster_name: str
) -> str:
    """What the simulator itself answers to this create, asked directly (no app in between)."""
    url = (
        f"{simulator.base_url}/subscriptions/{SIMULATOR_SUBSCRIPTION_ID}/resourceGroups/"
        f"{resource_group}/providers/Microsoft.ContainerService/managedClusters/{cluster_name}"
        "?api-version=2024-01-01"
    )
    token = SimulatorCredential().get_token("https://management.azure.com/.default").token
    response = requests.put(
        url,
        json={"location": "eastus", "properties": {}},
        headers={"Authorization": f"Bearer {token}"},
        verify=str(simulator.cert_path),
        timeout=10,
    )
    assert response.status_code >= 400, response.text
    return response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("cluster_prefix", "resource_group", "echoed"),
    [
        ("denied-", "rg_(x).-", "cluster"),
        ("ok-", "missing-rg", "group"),
    ],
)
def test_arm_error_text_echoing_user_input_is_returned_verbatim(
    local_stack: LocalStack,
    arm_simulator: ArmSimulator,
    cluster_prefix: str,
    resource_group: str,
    echoed: str,
) -> None:
    user = local_stack.user("echo")
    name = f"{cluster_prefix}Echo_{uuid.uuid4().hex[:6]}"
    task_id = user.provision(name, resource_group=resource_group)
    document = user.wait(task_id)
    assert document["status"] == "failed"
    expected = _simulator_error_message(arm_simulator, resource_group, name)
    assert (name if echoed == "cluster" else resource_group) in expected
    response = user.get(f"/api/tasks/{task_id}")
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["message"] == expected
    row = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert [job["error"]["message"] for job in row if job["task_id"] == task_id] == [expected]
