"""POST /api/aks/provision over HTTP: validation, idempotency, conflicts, identity."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import uuid

import pytest
import requests

from tests.stack_fixtures import LocalStack

VALID = {"cluster_name": "web-1", "resource_group": "rg-e2e", "region": "eastus"}


def _unique(prefix: str = "ok-") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "cluster_name": "-bad"}, "cluster_name"),
        ({**VALID, "cluster_name": "a" * 64}, "cluster_name"),
        ({**VALID, "cluster_name": "has space"}, "cluster_name"),
        ({**VALID, "resource_group": "rg."}, "resource_group"),
        ({**VALID, "resource_group": "r" * 91}, "resource_group"),
        ({**VALID, "resource_group": "rg/evil"}, "resource_group"),
        ({**VALID, "region": "mars-north"}, "region"),
        ({**VALID, "region": "atlantis"}, "region"),
        ({**VALID, "node_vm_size": "Huge<script>"}, "node_vm_size"),
        ({**VALID, "node_count": 0}, "node_count"),
        ({**VALID, "node_count": 101}, "node_count"),
        ({**VALID, "node_count": "3"}, "node_count"),
        ({**VALID, "node_count": True}, "node_count"),
        ({**VALID, "kubernetes_version": "latest"}, "kubernetes_version"),
        ({"resource_group": "rg", "region": "eastus"}, "cluster_name"),
        ({"cluster_name": "c", "region": "eastus"}, "resource_group"),
        ({"cluster_name": "c", "resource_group": "rg"}, "region"),
        ({**VALID, "owner": "someone-else"}, "owner"),
        ([VALID], "body"),
    ],
)
def test_invalid_request_is_400_naming_the_field(
    local_stack: LocalStack, body: object, field: str
) -> None:
    user = local_stack.user("validation")
    response = user.post("/api/aks/provision", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["field"] == field
    assert field in error["message"]


def test_malformed_json_is_400_naming_the_body(local_stack: LocalStack) -> None:
    user = local_stack.user("validation")
    response = user.post(
        "/api/aks/provision",
        data=b'{"cluster_name": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"


def test_oversized_body_is_rejected_and_nothing_is_written(local_stack: LocalStack) -> None:
    user = local_stack.user("oversize")
    body = {**VALID, "cluster_name": _unique(), "padding": "x" * 20_000}
    response = user.post("/api/aks/provision", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"
    assert user.get("/api/aks/provisions").json()["jobs"] == []


def test_invalid_request_writes_no_attempt(local_stack: LocalStack) -> None:
    user = local_stack.user("nothing-written")
    assert user.post("/api/aks/provision", json={**VALID, "node_count": 0}).status_code == 400
    assert user.get("/api/aks/provisions").json()["jobs"] == []


def test_accepted_attempt_answers_202_with_links_and_is_queued_or_later(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("accept")
    name = _unique()
    response = user.post("/api/aks/provision", json={**VALID, "cluster_name": name})
    assert response.status_code == 202
    body = response.json()
    task_id = body["task_id"]
    assert body["status"] == "queued"
    assert body["status_url"] == f"/api/tasks/{task_id}"
    assert body["cancel_url"] == f"/api/tasks/{task_id}/cancel"
    document = user.task(task_id)
    assert document["type"] == "aks_provision"
    assert document["request"]["cluster_name"] == name
    assert document["request"]["node_vm_size"] == "Standard_D2s_v5"
    assert document["request"]["node_count"] == 1
    user.wait(task_id)


def test_same_idempotency_key_returns_the_same_task(local_stack: LocalStack) -> None:
    user = local_stack.user("idempotent")
    key = uuid.uuid4().hex
    body = {**VALID, "cluster_name": _unique()}
    first = user.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
    second = user.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 202
    assert first.json()["task_id"] == second.json()["task_id"]
    assert len(user.get("/api/aks/provisions").json()["jobs"]) == 1
    user.wait(first.json()["task_id"])


def test_idempotency_keys_are_per_user(local_stack: LocalStack) -> None:
    alice, bob = local_stack.user("idem-alice"), local_stack.user("idem-bob")
    key = uuid.uuid4().hex
    body = {**VALID, "cluster_name": _unique("quota-")}
    a = alice.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
    b = bob.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
    assert a.json()["task_id"] != b.json()["task_id"]


def test_duplicate_submit_race_creates_exactly_one_attempt(local_stack: LocalStack) -> None:
    user = local_stack.user("race")
    body = {**VALID, "cluster_name": _unique("slow-")}
    results: list[requests.Response] = []

    def submit() -> None:
        results.append(user.post("/api/aks/provision", json=body))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in results)
    assert codes.count(202) == 1, [r.text for r in results]
    assert codes.count(409) == 3
    winner = next(r for r in results if r.status_code == 202).json()["task_id"]
    conflicts = [r.json()["error"] for r in results if r.status_code == 409]
    assert all(e["task_id"] == winner for e in conflicts)
    assert [job["task_id"] for job in user.get("/api/aks/provisions").json()["jobs"]] == [winner]
    user.post(f"/api/tasks/{winner}/cancel")
    user.wait(winner)


def test_active_attempt_for_same_cluster_is_409_until_it_finishes(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("conflict")
    name = _unique("slow-")
    first = user.provision(name)
    again = user.post("/api/aks/provision", json={**VALID, "cluster_name": name.upper()})
    assert again.status_code == 409
    assert again.json()["error"]["task_id"] == first
    other_rg = user.post(
        "/api/aks/provision", json={**VALID, "cluster_name": name, "resource_group": "rg-other"}
    )
    assert other_rg.status_code == 202
    for task_id in (first, other_rg.json()["task_id"]):
        user.post(f"/api/tasks/{task_id}/cancel")
        user.wait(task_id)
    retry = user.post("/api/aks/provision", json={**VALID, "cluster_name": _unique("quota-")})
    assert retry.status_code == 202


def test_another_users_active_attempt_is_no_conflict(local_stack: LocalStack) -> None:
    alice, bob = local_stack.user("c-alice"), local_stack.user("c-bob")
    name = _unique("slow-")
    a = alice.provision(name)
    b = bob.provision(name)
    assert a != b
    for client, task_id in ((alice, a), (bob, b)):
        client.post(f"/api/tasks/{task_id}/cancel")
        client.wait(task_id)


def _raw_principal(payload: object) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        "not base64 at all!",
        base64.b64encode(b"not json").decode(),
        _raw_principal({"claims": []}),
        _raw_principal(["a", "list"]),
    ],
)
def test_malformed_principal_is_401(local_stack: LocalStack, header: str) -> None:
    response = requests.post(
        f"{local_stack.base_url}/api/aks/provision",
        json=VALID,
        headers={"X-MS-CLIENT-PRINCIPAL": header},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"malformed_principal", "unauthenticated"}


@pytest.mark.parametrize(
    "owner_id",
    [
        "x' or PartitionKey ne 'x",
        "alice/../bob",
        "alice#1",
        "alice?x=1",
        "tab\tin-id",
        "o" * 129,
    ],
)
def test_unsafe_owner_ids_are_refused_before_storage(
    local_stack: LocalStack, owner_id: str
) -> None:
    principal = _raw_principal(
        {
            "auth_typ": "aad",
            "claims": [
                {
                    "typ": "http://schemas.microsoft.com/identity/claims/objectidentifier",
                    "val": owner_id,
                }
            ],
        }
    )
    for method, path in (
        ("POST", "/api/aks/provision"),
        ("GET", "/api/aks/recent-failed-provisions"),
        ("GET", "/api/aks/provisions"),
    ):
        response = requests.request(
            method,
            f"{local_stack.base_url}{path}",
            json=VALID,
            headers={"X-MS-CLIENT-PRINCIPAL": principal},
            timeout=10,
        )
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"]["code"] == "invalid_owner_id"


def test_static_web_apps_principal_is_accepted(local_stack: LocalStack) -> None:
    principal = _raw_principal(
        {
            "identityProvider": "aad",
            "userId": uuid.uuid4().hex,
            "userDetails": "swa-user",
            "userRoles": ["authenticated"],
        }
    )
    response = requests.get(
        f"{local_stack.base_url}/api/aks/provisions",
        headers={"x-ms-client-principal": principal},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["jobs"] == []


# --- strict bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_body_not_sent_as_json_is_415_and_writes_nothing(
    local_stack: LocalStack, content_type: str | None
) -> None:
    user = local_stack.user("media-type")
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = json.dumps({**VALID, "cluster_name": _unique("quota-")}).encode()
    response = user.post("/api/aks/provision", data=body, headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert user.get("/api/aks/provisions").json()["jobs"] == []


def test_json_with_a_charset_parameter_is_accepted(local_stack: LocalStack) -> None:
    user = local_stack.user("charset")
    body = json.dumps({**VALID, "cluster_name": _unique("quota-")}).encode()
    response = user.post(
        "/api/aks/provision", data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 202


def test_duplicate_keys_are_400_naming_the_body_and_write_nothing(local_stack: LocalStack) -> None:
    user = local_stack.user("dup-keys")
    # The shape a text/plain form forges: the forced '=' hides in a value a duplicate overrides.
    forged = (
        '{"cluster_name":"' + _unique("quota-") + '","resource_group":"rg-e2e",'
        '"cluster_name":"x=","cluster_name":"' + _unique("quota-") + '","region":"eastus"}'
    )
    response = user.post(
        "/api/aks/provision", data=forged, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"
    assert user.get("/api/aks/provisions").json()["jobs"] == []


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_key_first_sent_on_a_409_is_free_once_the_cluster_is(local_stack: LocalStack) -> None:
    user = local_stack.user("idem-409")
    name = _unique("slow-")
    running = user.provision(name)
    key = uuid.uuid4().hex
    body = {**VALID, "cluster_name": name}
    for _ in range(2):  # the retry is refused too, never "queued" for a task that does not exist
        refused = user.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["task_id"] == running
    user.post(f"/api/tasks/{running}/cancel")
    user.wait(running)

    accepted = user.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
    assert accepted.status_code == 202
    task_id = accepted.json()["task_id"]
    assert task_id != running
    assert user.get(f"/api/tasks/{task_id}").status_code == 200
    user.post(f"/api/tasks/{task_id}/cancel")
    user.wait(task_id)


def test_same_key_with_a_different_body_is_422_and_keeps_the_first_task(
    local_stack: LocalStack,
) -> None:
    user = local_stack.user("idem-reuse")
    key = uuid.uuid4().hex
    first = user.post(
        "/api/aks/provision",
        json={**VALID, "cluster_name": _unique("quota-")},
        headers={"Idempotency-Key": key},
    )
    assert first.status_code == 202
    other = user.post(
        "/api/aks/provision",
        json={**VALID, "cluster_name": _unique("quota-")},
        headers={"Idempotency-Key": key},
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    jobs = user.get("/api/aks/provisions").json()["jobs"]
    assert [job["task_id"] for job in jobs] == [first.json()["task_id"]]


def test_concurrent_requests_with_one_key_and_body_get_one_task(local_stack: LocalStack) -> None:
    user = local_stack.user("idem-race")
    for _ in range(3):  # bounded: repeat the race, assert on every outcome
        key = uuid.uuid4().hex
        body = {**VALID, "cluster_name": _unique("quota-")}
        barrier = threading.Barrier(4)
        results: list[requests.Response] = []

        def submit(
            key: str = key,
            body: dict[str, object] = body,
            barrier: threading.Barrier = barrier,
            results: list[requests.Response] = results,
        ) -> None:
            barrier.wait()
            results.append(
                user.post("/api/aks/provision", json=body, headers={"Idempotency-Key": key})
            )

        threads = [threading.Thread(target=submit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert [r.status_code for r in results] == [202] * 4, [r.text for r in results]
        task_ids = {r.json()["task_id"] for r in results}
        assert len(task_ids) == 1
        (task_id,) = task_ids
        assert user.get(f"/api/tasks/{task_id}").status_code == 200
        mine = [
            j
            for j in user.get("/api/aks/provisions").json()["jobs"]
            if j["request"]["cluster_name"] == body["cluster_name"]
        ]
        assert [j["task_id"] for j in mine] == [task_id]


@pytest.mark.parametrize("key", ["", "k" * 201, "tab\there"])
def test_malformed_key_is_400_naming_the_header(local_stack: LocalStack, key: str) -> None:
    user = local_stack.user("idem-bad")
    response = user.post(
        "/api/aks/provision",
        json={**VALID, "cluster_name": _unique("quota-")},
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert user.get("/api/aks/provisions").json()["jobs"] == []


@pytest.mark.parametrize("raw_key", [b"\xff\xfe-not-utf8", b"caf\xc3\xa9", b"latin\xe9"])
def test_key_with_non_ascii_bytes_is_400_not_500(local_stack: LocalStack, raw_key: bytes) -> None:
    user = local_stack.user("idem-bytes")
    body = json.dumps({**VALID, "cluster_name": _unique("quota-")}).encode()
    host, port = local_stack.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", "/api/aks/provision")
        connection.putheader("X-MS-CLIENT-PRINCIPAL", user.headers["X-MS-CLIENT-PRINCIPAL"])
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.putheader("Idempotency-Key", raw_key)
        connection.endheaders(body)
        response = connection.getresponse()
        status, answer = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status == 400, answer
    assert answer["error"]["field"] == "Idempotency-Key"
    assert user.get("/api/aks/provisions").json()["jobs"] == []
