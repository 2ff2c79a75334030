"""The local host runs the real durable replay engine: every feature, driven over HTTP."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from local.host.durable.engine import RESUME_READ_CONCURRENCY
from local.processes import ChildProcess, free_port, start_local_host

TEST_APP = "tests.durable_test_app.function_app"
TERMINAL = {"Completed", "Failed", "Terminated", "Canceled"}


@dataclass
class RunningHost:
    """A running local host serving the test-only function app."""

    process: ChildProcess
    base_url: str
    marker_dir: Path

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        data = None if body is None else json.dumps(body)
        return requests.post(f"{self.base_url}{path}", data=data, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(f"{self.base_url}{path}", timeout=30, **kwargs)

    def start(self, name: str, body: Any = None, instance_id: str | None = None) -> str:
        params = {"instance_id": instance_id} if instance_id else None
        response = self.post(f"/api/start/{name}", body, params=params)
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def status(self, instance_id: str) -> dict[str, Any]:
        return self.get(f"/api/status/{instance_id}").json()

    def wait(self, instance_id: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(instance_id)
            if status["runtimeStatus"] in TERMINAL:
                return status
            time.sleep(0.1)
        raise AssertionError(f"{instance_id} did not finish: {self.status(instance_id)}")

    def wait_for(self, instance_id: str, predicate: Any, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(instance_id)
            if predicate(status):
                return status
            time.sleep(0.1)
        raise AssertionError(f"condition not met for {instance_id}: {self.status(instance_id)}")


def _launch(azurite: str, marker_dir: Path, hub: str, port: int, rpc_port: int) -> ChildProcess:
    env = {"AzureWebJobsStorage": azurite, "TEST_APP_MARKER_DIR": str(marker_dir)}
    return start_local_host(
        port, rpc_port, env, app=TEST_APP, log_path=marker_dir / "host.log", hub_name=hub
    )


@pytest.fixture(scope="module")
def host(azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    marker_dir = tmp_path_factory.mktemp("test-host")
    port = free_port()
    process = _launch(azurite, marker_dir, "TestHub" + uuid.uuid4().hex[:8], port, free_port())
    yield RunningHost(process, f"http://127.0.0.1:{port}", marker_dir)
    process.stop()


def test_activity_chain_returns_the_last_result(host: RunningHost) -> None:
    status = host.wait(host.start("chain", 1))
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == 4


def test_parallel_activities_are_all_awaited(host: RunningHost) -> None:
    status = host.wait(host.start("fan_out"))
    assert status["output"] == sum(n + 1 for n in range(5))


def test_activity_failure_is_caught_by_the_orchestrator(host: RunningHost) -> None:
    status = host.wait(host.start("catch_failure"))
    assert status["runtimeStatus"] == "Completed"
    assert "activity failed on purpose: boom" in status["output"]["caught"]


def test_uncaught_activity_failure_fails_the_instance_keeping_the_error(host: RunningHost) -> None:
    status = host.wait(host.start("uncaught_failure"))
    assert status["runtimeStatus"] == "Failed"
    assert "activity failed on purpose: unhandled" in status["output"]


def test_retry_succeeds_on_the_attempt_the_options_allow(host: RunningHost) -> None:
    key = uuid.uuid4().hex
    args = {"key": key, "succeed_on": 3, "max_attempts": 3}
    status = host.wait(host.start("with_retry", args))
    assert status["output"] == {"attempts": 3, "after": 42}
    assert (host.marker_dir / f"attempts-{key}").read_text() == "3"


def test_retry_gives_up_after_max_attempts_and_orchestration_continues(host: RunningHost) -> None:
    key = uuid.uuid4().hex
    args = {"key": key, "succeed_on": 10, "max_attempts": 2}
    status = host.wait(host.start("with_retry", args))
    assert status["output"] == {"attempts": None, "after": 42}
    assert (host.marker_dir / f"attempts-{key}").read_text() == "2"


def test_durable_timer_fires_after_its_due_time(host: RunningHost) -> None:
    status = host.wait(host.start("timer", 1))
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] >= 1.0


def test_external_event_beats_timer_and_cancels_it(host: RunningHost) -> None:
    instance_id = host.start("event_or_timer", 30)
    host.wait_for(instance_id, lambda s: s["runtimeStatus"] == "Running")
    response = host.post(f"/api/raise/{instance_id}/approve", {"ok": True})
    assert response.status_code == 202
    status = host.wait(instance_id, timeout=10)
    assert status["runtimeStatus"] == "Completed"
    assert status["output"]["winner"] == "event"
    # The extension parses the body once: the Python client's json.dumps(data) arrives as that
    # JSON text (azure-functions-durable-python#295), so the orchestrator sees a string.
    assert json.loads(status["output"]["data"]) == {"ok": True}
    created = [e for e in status["history"] if e["EventType"] == "TimerCreated"]
    fired = [e for e in status["history"] if e["EventType"] == "TimerFired"]
    assert len(created) == 1 and not fired


def test_timer_beats_external_event_when_none_arrives(host: RunningHost) -> None:
    status = host.wait(host.start("event_or_timer", 1))
    assert status["output"] == {"winner": "timer"}


def test_event_raised_before_the_wait_is_delivered_later(host: RunningHost) -> None:
    instance_id = host.start("event_before_wait")
    host.wait_for(instance_id, lambda s: s["runtimeStatus"] == "Running")
    assert host.post(f"/api/raise/{instance_id}/go", "early").status_code == 202
    status = host.wait(instance_id)
    assert status["output"] == {"got": json.dumps("early")}  # parsed once, as the extension does


def test_custom_status_is_visible_through_the_client(host: RunningHost) -> None:
    instance_id = host.start("custom_status")
    waiting = host.wait_for(instance_id, lambda s: s["customStatus"] is not None)
    assert waiting["customStatus"] == {"step": "waiting", "n": 1}
    assert waiting["runtimeStatus"] == "Running"
    host.post(f"/api/raise/{instance_id}/continue", None)
    status = host.wait(instance_id)
    assert status["customStatus"] == {"step": "done", "n": 2}
    assert status["output"] == "finished"


def test_terminate_stops_a_waiting_instance(host: RunningHost) -> None:
    instance_id = host.start("wait_forever")
    host.wait_for(instance_id, lambda s: s["runtimeStatus"] == "Running")
    assert host.post(f"/api/terminate/{instance_id}").status_code == 202
    status = host.wait(instance_id)
    assert status["runtimeStatus"] == "Terminated"
    assert status["output"] == "stopped by test"


def test_raise_event_on_a_finished_instance_is_refused(host: RunningHost) -> None:
    instance_id = host.start("chain", 0)
    host.wait(instance_id)
    response = host.post(f"/api/raise/{instance_id}/approve", {})
    assert response.status_code == 409
    assert "gone" in response.json()["error"]


def test_unknown_instance_status_is_404(host: RunningHost) -> None:
    response = host.get(f"/api/status/{uuid.uuid4().hex}")
    assert response.status_code == 404
    assert response.json()["runtimeStatus"] is None


def test_raise_event_on_unknown_instance_is_refused(host: RunningHost) -> None:
    response = host.post(f"/api/raise/{uuid.uuid4().hex}/approve", {})
    assert response.status_code == 409
    assert "No instance" in response.json()["error"]


def test_chosen_instance_id_is_honoured_and_cannot_be_reused_while_running(
    host: RunningHost,
) -> None:
    chosen = f"chosen-{uuid.uuid4().hex[:8]}"
    assert host.start("wait_forever", instance_id=chosen) == chosen
    response = host.post("/api/start/wait_forever", params={"instance_id": chosen})
    assert response.status_code == 500  # the client raises on the extension's 400
    host.post(f"/api/terminate/{chosen}")


def test_continue_as_new_restarts_with_the_new_input(host: RunningHost) -> None:
    status = host.wait(host.start("continue_as_new_counter", 0))
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == 3


def test_http_route_params_methods_and_query_reach_the_function(host: RunningHost) -> None:
    response = host.get("/api/echo/7/blue?colour=red")
    assert response.status_code == 200
    assert response.json()["route_params"] == {"item_id": "7", "label": "blue"}
    assert response.json()["params"] == {"colour": "red"}
    put = requests.put(f"{host.base_url}/api/echo/8", data="hello", timeout=10)
    assert put.json()["method"] == "PUT"
    assert put.json()["body"] == "hello"
    assert put.json()["route_params"] == {"item_id": "8"}


def test_route_constraint_and_method_mismatch_are_rejected(host: RunningHost) -> None:
    assert host.get("/api/echo/not-a-number").status_code == 404
    assert requests.delete(f"{host.base_url}/api/echo/1", timeout=10).status_code == 405


def test_dev_identity_is_injected_and_a_caller_principal_is_kept(host: RunningHost) -> None:
    assert host.get("/api/echo/1").json()["principal"] == "dev"
    session = requests.Session()
    login = session.get(f"{host.base_url}/.auth/login/dev?user=alice", timeout=10)
    assert login.status_code == 200  # redirected to /
    assert session.get(f"{host.base_url}/api/echo/1", timeout=10).json()["principal"] == "alice"
    me = session.get(f"{host.base_url}/.auth/me", timeout=10).json()
    assert me["clientPrincipal"]["userDetails"] == "alice"
    explicit = host.get(
        "/api/echo/1",
        headers={"X-MS-CLIENT-PRINCIPAL": "e30=", "X-MS-CLIENT-PRINCIPAL-NAME": "bob"},
    )
    assert explicit.json()["principal"] == "bob"


def test_cross_site_requests_without_the_dev_cookie_are_not_signed_in(host: RunningHost) -> None:
    """README: a page on another site must not act as the default dev user."""
    cross = host.get("/api/echo/1", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.json()["principal"] is None
    foreign = requests.put(
        f"{host.base_url}/api/echo/1",
        data="x",
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert foreign.json()["principal"] is None
    same = host.get(
        "/api/echo/1", headers={"Origin": host.base_url, "Sec-Fetch-Site": "same-origin"}
    )
    assert same.json()["principal"] == "dev"
    session = requests.Session()
    session.get(f"{host.base_url}/.auth/login/dev?user=carol", timeout=10)
    signed_in = session.get(
        f"{host.base_url}/api/echo/1", headers={"Sec-Fetch-Site": "cross-site"}, timeout=10
    )
    assert signed_in.json()["principal"] == "carol"


def test_host_level_errors_are_json_in_the_contract_shape(host: RunningHost) -> None:
    too_big = requests.put(
        f"{host.base_url}/api/echo/1", data=b"x" * (1024 * 1024 + 10), timeout=30
    )
    assert too_big.status_code == 413
    assert too_big.headers["Content-Type"].startswith("application/json")
    assert too_big.json()["error"]["code"] == "request_entity_too_large"
    assert too_big.json()["error"]["message"]
    missing = host.get("/no/such/file.txt")
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"code", "message"}


def _raw_exchange(base_url: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes no HTTP client library would; the whole answer as (status, headers, body)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (
            b"GET /api/aks/options?region=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            "request_too_long",
        ),
        (
            b"GET /api/echo/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
            "request_too_long",
        ),
        (b"GARBAGE\r\n\r\n", "bad_request"),
    ],
    ids=["long-request-line", "long-header", "not-http"],
)
def test_requests_the_parser_refuses_are_answered_in_json_without_echoing_them(
    host: RunningHost, raw: bytes, code: str
) -> None:
    status, headers, body = _raw_exchange(host.base_url, raw)

    assert 400 <= status < 500
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert error["code"] == code
    assert "aaaa" not in error["message"] and "bbbb" not in error["message"]
    assert "GARBAGE" not in error["message"]


def test_restart_resumes_orchestrations_waiting_on_a_timer_and_in_an_activity(
    azurite: str, tmp_path: Path
) -> None:
    hub = "RestartHub" + uuid.uuid4().hex[:8]
    port, rpc_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    process = _launch(azurite, tmp_path, hub, port, rpc_port)
    test_host = RunningHost(process, base, tmp_path)
    try:
        timer_key, activity_key = uuid.uuid4().hex, uuid.uuid4().hex
        on_timer = test_host.start(
            "restartable", {"key": timer_key, "timer_seconds": 3, "activity_seconds": 0.2}
        )
        in_activity = test_host.start(
            "restartable", {"key": activity_key, "timer_seconds": 0, "activity_seconds": 4}
        )
        started_marker = tmp_path / f"slow-{activity_key}-started"
        deadline = time.monotonic() + 15
        while not started_marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started_marker.exists(), "the slow activity never started"
        history_before = len(test_host.status(on_timer)["history"])
        process.kill()  # SIGKILL: no clean shutdown
        restarted = _launch(azurite, tmp_path, hub, port, rpc_port)
        test_host.process = restarted
        timer_status = test_host.wait(on_timer, timeout=30)
        assert timer_status["runtimeStatus"] == "Completed"
        assert timer_status["output"] == {"result": "done after 1 run(s)"}
        assert len(timer_status["history"]) > history_before
        # The activity that was running when the host died runs again (at least once).
        activity_status = test_host.wait(in_activity, timeout=30)
        assert activity_status["output"] == {"result": "done after 2 run(s)"}
    finally:
        test_host.process.stop()


def test_restart_resumes_every_one_of_many_instances_read_a_few_at_a_time(
    azurite: str, tmp_path: Path
) -> None:
    # More instances than the engine reads at once (RESUME_READ_CONCURRENCY), each on a timer.
    hub = "ManyHub" + uuid.uuid4().hex[:8]
    port, rpc_port = free_port(), free_port()
    process = _launch(azurite, tmp_path, hub, port, rpc_port)
    test_host = RunningHost(process, f"http://127.0.0.1:{port}", tmp_path)
    try:
        count = 3 * RESUME_READ_CONCURRENCY + 2
        waiting = [
            test_host.start(
                "restartable",
                {"key": uuid.uuid4().hex, "timer_seconds": 20, "activity_seconds": 0.01},
            )
            for _ in range(count)
        ]
        for instance_id in waiting:
            test_host.wait_for(
                instance_id, lambda s: s["runtimeStatus"] in ("Running", "Completed")
            )
        on_timer = [test_host.status(i)["runtimeStatus"] for i in waiting].count("Running")
        assert on_timer > RESUME_READ_CONCURRENCY  # more to resume than are read at once
        process.kill()
        test_host.process = _launch(azurite, tmp_path, hub, port, rpc_port)
        finals = [test_host.wait(instance_id, timeout=90) for instance_id in waiting]
        assert [final["runtimeStatus"] for final in finals] == ["Completed"] * count
        # Once, or twice for one whose activity the kill interrupted (at least once).
        assert all(final["output"]["result"].startswith("done after") for final in finals)
    finally:
        test_host.process.stop()
