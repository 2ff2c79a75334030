"""Attacks on the local stack that the existing API tests do not already cover.

Covered elsewhere (and named in docs/reliability.md): spoofed principals without platform auth
(test_identity_trust.py), malformed principals and unsafe owner ids, the Static Web Apps shape
and the 16 KiB body limit (test_api_provision.py), and text-only rendering of hostile server
strings in the dashboard (the dashboard tests' hostile snapshot).
"""

from __future__ import annotations

import base64
import http.client
import json
import uuid
from typing import Any

import pytest
import requests

from provisioning.access.identity import (
    OBJECT_ID_CLAIM,
    encode_easyauth_principal,
    encode_swa_principal,
)
from provisioning.arm_credentials import SimulatorCredential
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
    body = {
        "cluster_name": f"quota-{uuid.uuid4().hex[:8]}",
        "resource_group": "rg-swa",
        "region": "eastus",
    }
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


# --- cross-site requests cannot act for a signed-in user (docs/architecture.md) ---------------

FOREIGN = [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"},
]


@pytest.mark.parametrize("foreign", FOREIGN)
def test_cross_site_posts_are_403_and_change_nothing(
    local_stack: LocalStack, foreign: dict[str, str]
) -> None:
    user = local_stack.user("csrf-victim")
    slow = user.provision(f"slow-{uuid.uuid4().hex[:8]}", resource_group="rg-csrf")
    failed = user.provision(f"quota-{uuid.uuid4().hex[:8]}", resource_group="rg-csrf")
    user.wait(failed)
    before = user.get("/api/aks/provisions").json()["jobs"]
    # Cross-site pages send simple requests only: bodyless, or text/plain / form bodies.
    forged = '{"cluster_name":"' + f"quota-{uuid.uuid4().hex[:8]}" + '","resource_group":"rg"}'
    attempts = [
        ("/api/aks/provision", forged, {"Content-Type": "text/plain"}),
        ("/api/aks/provision", forged, {"Content-Type": "application/json"}),
        (f"/api/tasks/{slow}/cancel", None, {}),
        (f"/api/tasks/{failed}/dismiss", None, {}),
        (f"/api/tasks/{failed}/delete-cluster", None, {"Content-Type": "text/plain"}),
    ]
    for path, body, headers in attempts:
        response = user.post(path, data=body, headers={**headers, **foreign})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "cross_origin"
    after = user.get("/api/aks/provisions").json()["jobs"]
    assert [(j["task_id"], j["dismissed_at"]) for j in after] == [
        (j["task_id"], j["dismissed_at"]) for j in before
    ]
    assert user.task(slow)["status"] in {"queued", "running"}
    user.post(f"/api/tasks/{slow}/cancel")
    user.wait(slow)


def test_same_origin_posts_and_non_browser_clients_still_work(local_stack: LocalStack) -> None:
    user = local_stack.user("csrf-same-origin")
    body = {
        "cluster_name": f"quota-{uuid.uuid4().hex[:8]}",
        "resource_group": "rg-csrf",
        "region": "eastus",
    }
    same_origin = {"Origin": local_stack.base_url, "Sec-Fetch-Site": "same-origin"}
    accepted = user.post("/api/aks/provision", json=body, headers=same_origin)
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    user.wait(task_id)
    dismissed = user.post(f"/api/tasks/{task_id}/dismiss", headers=same_origin)
    assert dismissed.status_code == 200
    no_browser = user.post(f"/api/tasks/{task_id}/cancel")  # no Origin, no Sec-Fetch-Site
    assert no_browser.status_code == 200


def test_forwarded_host_is_not_trusted_outside_azures_front_end(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("csrf-forwarded")
    response = user.post(
        "/api/aks/provision",
        json={"cluster_name": "x", "resource_group": "rg", "region": "eastus"},
        headers={
            "Origin": "https://evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
        },
    )
    assert response.status_code == 403


def test_gets_stay_open_to_other_origins(local_stack: LocalStack) -> None:
    user = local_stack.user("csrf-get")
    response = user.get(
        "/api/aks/provisions",
        headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200


# --- one caller or none: ambiguous principals are 401 ---------------------------------------


def _raw_post(base_url: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, Any]:
    """POST with exactly these header lines (requests would merge same-named headers)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", "/api/aks/provision")
        for name, value in [
            *headers,
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]:
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _attempt_body() -> bytes:
    return json.dumps(
        {
            "cluster_name": f"quota-{uuid.uuid4().hex[:8]}",
            "resource_group": "rg-ambiguous",
            "region": "eastus",
        }
    ).encode()


def _no_attempts(local_stack: LocalStack, *owners: str) -> None:
    for owner in owners:
        headers = {"X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal(owner, owner)}
        jobs = requests.get(
            f"{local_stack.base_url}/api/aks/provisions", headers=headers, timeout=10
        ).json()["jobs"]
        assert jobs == [], owner


def test_principal_with_both_swa_and_app_service_shapes_is_401(local_stack: LocalStack) -> None:
    victim, attacker = f"victim-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    payload = {
        "userId": attacker,
        "userDetails": "a",
        "claims": [{"typ": OBJECT_ID_CLAIM, "val": victim}],
    }
    value = base64.b64encode(json.dumps(payload).encode()).decode()
    status, answer = _raw_post(
        local_stack.base_url, [("X-MS-CLIENT-PRINCIPAL", value)], _attempt_body()
    )
    assert (status, answer["error"]["code"]) == (401, "ambiguous_principal")
    _no_attempts(local_stack, victim, attacker)


def test_repeated_principal_joined_by_the_platform_is_401(local_stack: LocalStack) -> None:
    # Azure's host hands the worker a repeated header's values joined with ", ".
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    joined = f"{encode_easyauth_principal(alice, 'a')}, {encode_easyauth_principal(bob, 'b')}"
    status, answer = _raw_post(
        local_stack.base_url, [("X-MS-CLIENT-PRINCIPAL", joined)], _attempt_body()
    )
    assert (status, answer["error"]["code"]) == (401, "ambiguous_principal")
    _no_attempts(local_stack, alice, bob)


def test_principal_id_header_naming_someone_else_is_401(local_stack: LocalStack) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    headers = [
        ("X-MS-CLIENT-PRINCIPAL", encode_easyauth_principal(alice, "a")),
        ("X-MS-CLIENT-PRINCIPAL-ID", bob),
    ]
    status, answer = _raw_post(local_stack.base_url, headers, _attempt_body())
    assert (status, answer["error"]["code"]) == (401, "ambiguous_principal")
    _no_attempts(local_stack, alice, bob)


@pytest.mark.parametrize(
    "names",
    [
        ("X-MS-CLIENT-PRINCIPAL", "x-ms-client-principal"),
        ("X-MS-CLIENT-PRINCIPAL", "X-MS-CLIENT-PRINCIPAL"),
    ],
)
def test_two_principal_header_lines_are_401(
    local_stack: LocalStack, names: tuple[str, str]
) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    headers = [
        (names[0], encode_easyauth_principal(alice, "a")),
        (names[1], encode_easyauth_principal(bob, "b")),
    ]
    status, answer = _raw_post(local_stack.base_url, headers, _attempt_body())
    # The local host joins repeated header lines with ", " as Azure's front end does.
    assert (status, answer["error"]["code"]) == (401, "ambiguous_principal")
    _no_attempts(local_stack, alice, bob)
