"""The Durable extension's HTTP management API on the local host: routes, status codes, bodies.

Expected behaviour is the extension's `HttpApiHandler` (azure-functions-durable-extension,
src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs), served on the app's port under
/runtime/webhooks/durabletask and on the local RPC listener under /durabletask.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest
import requests

from tests.durable_host import SampleHost, launch_samples_host


@pytest.fixture(scope="module")
def host(azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleHost]:
    running = launch_samples_host(azurite, tmp_path_factory.mktemp("management"))
    yield running
    running.process.stop()


@pytest.fixture(params=["webhooks", "rpc"])
def base(request: pytest.FixtureRequest, host: SampleHost) -> str:
    """Both listeners serve the same API."""
    return host.webhooks if request.param == "webhooks" else host.rpc


def start(base: str, name: str, body: Any = None, instance_id: str | None = None) -> str:
    url = f"{base}/orchestrators/{name}" + (f"/{instance_id}" if instance_id else "")
    response = requests.post(url, json=body, timeout=30)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def wait(base: str, instance_id: str, status: str, timeout: float = 20) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = requests.get(f"{base}/instances/{instance_id}", timeout=30).json()
        if last.get("runtimeStatus") == status:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{instance_id} never became {status}: {last}")


def client_for(host: SampleHost) -> df.DurableOrchestrationClient:
    """The real SDK client, built from the binding JSON the host hands HTTP functions."""
    from local.host.server import HostConfig, client_binding

    binding = client_binding(HostConfig(host.port, host.rpc_port, "api", "hub", None))
    return df.DurableOrchestrationClient(binding)


# ------------------------------------------------------------------ start & status


def test_start_answers_202_with_the_management_payload_and_location(base: str) -> None:
    response = requests.post(f"{base}/orchestrators/greet_cities", timeout=30)
    assert response.status_code == 202
    payload = response.json()
    assert response.headers["Location"] == payload["statusQueryGetUri"]
    assert set(payload) >= {
        "id",
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "suspendPostUri",
        "resumePostUri",
        "rewindPostUri",
    }


def test_start_of_an_unknown_orchestrator_is_400_with_exception_message(base: str) -> None:
    response = requests.post(f"{base}/orchestrators/no_such_function", timeout=30)
    assert response.status_code == 400
    assert "doesn't exist" in response.json()["ExceptionMessage"]


def test_start_and_wait_answers_200_with_the_output_when_it_finishes_in_time(base: str) -> None:
    """WaitForCompletionOrCreateCheckStatusResponseAsync: output, or the 202 payload on timeout."""
    done = requests.post(
        f"{base}/orchestrators/greet_cities?timeout=20&pollingInterval=0.2", timeout=30
    )
    assert done.status_code == 200
    assert done.json() == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]
    waiting = requests.post(
        f"{base}/orchestrators/report_progress?timeout=0.5&pollingInterval=0.1", timeout=30
    )
    assert waiting.status_code == 202 and "statusQueryGetUri" in waiting.json()
    requests.post(f"{base}/instances/{waiting.json()['id']}/terminate", timeout=30)


def test_running_status_is_202_with_location_and_retry_after(base: str) -> None:
    instance_id = start(base, "report_progress")
    wait(base, instance_id, "Running")
    response = requests.get(f"{base}/instances/{instance_id}", timeout=30)
    assert response.status_code == 202
    assert response.headers["Location"].endswith(f"/instances/{instance_id}")
    assert response.headers["Retry-After"] == "5"
    assert "historyEvents" not in response.json()
    requests.post(f"{base}/instances/{instance_id}/terminate?reason=done", timeout=30)


def test_completed_status_is_200_and_shows_input_unless_asked_not_to(base: str) -> None:
    instance_id = start(base, "count_words_in_parallel", 2)
    body = wait(base, instance_id, "Completed")
    assert body["input"] == 2 and body["output"] == {"texts": 2, "words": 3}
    assert body["createdTime"].endswith("Z") and len(body["createdTime"]) == 20
    response = requests.get(f"{base}/instances/{instance_id}?showInput=false", timeout=30)
    assert response.status_code == 200 and response.json()["input"] is None


def test_failed_status_is_200_unless_return_internal_server_error_on_failure(base: str) -> None:
    """HttpApiHandler answers Failed with 200; 500 only with returnInternalServerErrorOnFailure."""
    instance_id = start(base, "always_fails")
    body = wait(base, instance_id, "Failed")
    assert "child failed on purpose" in body["output"]
    url = f"{base}/instances/{instance_id}"
    assert requests.get(url, timeout=30).status_code == 200
    assert (
        requests.get(f"{url}?returnInternalServerErrorOnFailure=true", timeout=30).status_code
        == 500
    )


def test_unknown_instance_status_is_404_with_a_json_body(base: str) -> None:
    response = requests.get(f"{base}/instances/{uuid.uuid4().hex}", timeout=30)
    assert response.status_code == 404
    assert "No instance" in response.json()


def test_show_history_names_event_types_and_folds_in_the_scheduling(base: str) -> None:
    """As DurableClient.GetDurableOrchestrationStatusAsync: names, FunctionName, ScheduledTime."""
    instance_id = start(base, "greet_cities")
    wait(base, instance_id, "Completed")
    plain = requests.get(f"{base}/instances/{instance_id}?showHistory=true", timeout=30).json()
    events = plain["historyEvents"]
    assert [e["EventType"] for e in events] == [
        "ExecutionStarted",
        "TaskCompleted",
        "TaskCompleted",
        "TaskCompleted",
        "ExecutionCompleted",
    ]
    assert events[0]["FunctionName"] == "greet_cities"
    assert events[1]["FunctionName"] == "greet" and "ScheduledTime" in events[1]
    assert all("Result" not in e for e in events)
    assert events[-1]["OrchestrationStatus"] == "Completed"
    shown = requests.get(
        f"{base}/instances/{instance_id}?showHistory=true&showHistoryOutput=true", timeout=30
    ).json()["historyEvents"]
    assert shown[1]["Result"] == "Hello Tokyo!"
    assert shown[-1]["Result"] == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]


# ------------------------------------------------------------------ list


def test_list_filters_by_status_prefix_and_created_time(base: str) -> None:
    prefix = f"list-{uuid.uuid4().hex[:8]}-"
    before = datetime.now(UTC) - timedelta(seconds=5)
    for n in range(3):
        start(base, "greet_cities", instance_id=f"{prefix}{n}")
    for n in range(3):
        wait(base, f"{prefix}{n}", "Completed")
    query = f"instanceIdPrefix={prefix}&runtimeStatus=Completed,Failed"
    response = requests.get(f"{base}/instances?{query}", timeout=30)
    assert response.status_code == 200
    assert sorted(s["instanceId"] for s in response.json()) == [f"{prefix}{n}" for n in range(3)]
    created = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = requests.get(f"{base}/instances?{query}&createdTimeFrom={created}", timeout=30)
    assert len(response.json()) == 3
    running = requests.get(
        f"{base}/instances?instanceIdPrefix={prefix}&runtimeStatus=Running", timeout=30
    )
    assert running.json() == []


def test_list_pages_with_the_continuation_token_header(base: str) -> None:
    prefix = f"page-{uuid.uuid4().hex[:8]}-"
    for n in range(3):
        start(base, "greet_cities", instance_id=f"{prefix}{n}")
    seen: list[str] = []
    token = None
    for _ in range(5):
        headers = {"x-ms-continuation-token": token} if token else {}
        page = requests.get(
            f"{base}/instances?instanceIdPrefix={prefix}&top=2", headers=headers, timeout=30
        )
        assert page.status_code == 200 and len(page.json()) <= 2
        seen += [s["instanceId"] for s in page.json()]
        token = page.headers["x-ms-continuation-token"]
        if token == "null":
            break
    assert sorted(seen) == [f"{prefix}{n}" for n in range(3)]


# ------------------------------------------------------------------ events & control


def test_raise_event_answers_202_404_410_and_400_like_the_extension(base: str) -> None:
    instance_id = start(base, "report_progress")
    wait(base, instance_id, "Running")
    url = f"{base}/instances/{instance_id}/raiseEvent/finish"
    text = requests.post(url, data="not json", headers={"Content-Type": "text/plain"}, timeout=30)
    assert text.status_code == 400
    assert text.json()["Message"] == "Only application/json request content is supported"
    bad = requests.post(url, data="{oops", headers={"Content-Type": "application/json"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["Message"] == "Invalid JSON content"
    assert requests.post(url, json="9361", timeout=30).status_code == 202
    done = wait(base, instance_id, "Completed")
    assert done["output"] == {"finished_with": "9361"}  # parsed once: still a string
    assert requests.post(url, json=1, timeout=30).status_code == 410
    unknown = f"{base}/instances/{uuid.uuid4().hex}/raiseEvent/finish"
    assert requests.post(unknown, json=1, timeout=30).status_code == 404


def test_terminate_is_202_then_410_and_404_for_unknown(base: str) -> None:
    instance_id = start(base, "report_progress")
    url = f"{base}/instances/{instance_id}/terminate?reason=stop"
    assert requests.post(url, timeout=30).status_code == 202
    body = wait(base, instance_id, "Terminated")
    assert body["output"] == "stop"
    assert requests.get(f"{base}/instances/{instance_id}", timeout=30).status_code == 200
    assert requests.post(url, timeout=30).status_code == 410
    assert (
        requests.post(f"{base}/instances/nope-{uuid.uuid4().hex}/terminate", timeout=30).status_code
        == 404
    )


def test_suspend_holds_events_until_resume(base: str) -> None:
    instance_id = start(base, "report_progress")
    wait(base, instance_id, "Running")
    instance = f"{base}/instances/{instance_id}"
    assert requests.post(f"{instance}/suspend?reason=hold", timeout=30).status_code == 202
    assert wait(base, instance_id, "Suspended")["runtimeStatus"] == "Suspended"
    assert requests.get(instance, timeout=30).status_code == 202
    assert requests.post(f"{instance}/raiseEvent/finish", json=7, timeout=30).status_code == 202
    import time

    time.sleep(0.5)
    assert requests.get(instance, timeout=30).json()["runtimeStatus"] == "Suspended"
    assert requests.post(f"{instance}/resume?reason=go", timeout=30).status_code == 202
    assert wait(base, instance_id, "Completed")["output"] == {"finished_with": 7}
    kinds = [
        e["EventType"]
        for e in requests.get(f"{instance}?showHistory=true", timeout=30).json()["historyEvents"]
    ]
    assert "ExecutionSuspended" in kinds and "ExecutionResumed" in kinds
    assert requests.post(f"{instance}/suspend", timeout=30).status_code == 410
    assert requests.post(f"{instance}/resume", timeout=30).status_code == 410


def test_restart_starts_a_new_instance_with_the_same_input(base: str) -> None:
    instance_id = start(base, "count_words_in_parallel", 3)
    wait(base, instance_id, "Completed")
    response = requests.post(f"{base}/instances/{instance_id}/restart", timeout=30)
    assert response.status_code == 202
    new_id = response.json()["id"]
    assert new_id != instance_id
    assert wait(base, new_id, "Completed")["output"] == {"texts": 3, "words": 6}
    same = requests.post(
        f"{base}/instances/{instance_id}/restart?restartWithNewInstanceId=false", timeout=30
    )
    assert same.status_code == 202 and same.json()["id"] == instance_id
    unknown = requests.post(f"{base}/instances/{uuid.uuid4().hex}/restart", timeout=30)
    assert unknown.status_code == 400


def test_rewind_reruns_the_failed_activity_of_a_failed_instance(base: str) -> None:
    instance_id = start(base, "fails_until_rewound", {"key": uuid.uuid4().hex})
    wait(base, instance_id, "Failed")
    assert (
        requests.post(f"{base}/instances/{instance_id}/rewind?reason=retry", timeout=30).status_code
        == 202
    )
    assert wait(base, instance_id, "Completed")["output"] == "succeeded after rewind"
    assert requests.post(f"{base}/instances/{instance_id}/rewind", timeout=30).status_code == 410


# ------------------------------------------------------------------ purge, entities, routing


def test_purge_one_is_200_with_the_count_then_404(base: str) -> None:
    instance_id = start(base, "greet_cities")
    wait(base, instance_id, "Completed")
    first = requests.delete(f"{base}/instances/{instance_id}", timeout=30)
    assert first.status_code == 200 and first.json() == {"instancesDeleted": 1}
    assert requests.delete(f"{base}/instances/{instance_id}", timeout=30).status_code == 404
    assert requests.get(f"{base}/instances/{instance_id}", timeout=30).status_code == 404


def test_purge_by_filter_needs_created_time_from_and_deletes_what_matches(base: str) -> None:
    missing = requests.delete(f"{base}/instances", timeout=30)
    assert missing.status_code == 400
    assert missing.json() == "Please provide value for 'createdTimeFrom' parameter."
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = [start(base, "greet_cities") for _ in range(2)]
    for instance_id in ids:
        wait(base, instance_id, "Completed")
    query = f"createdTimeFrom={since.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}&runtimeStatus=Completed"
    purged = requests.delete(f"{base}/instances?{query}", timeout=30)
    assert purged.status_code == 200 and purged.json()["instancesDeleted"] >= 2
    assert all(requests.get(f"{base}/instances/{i}", timeout=30).status_code == 404 for i in ids)
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (
        requests.delete(f"{base}/instances?createdTimeFrom={future}", timeout=30).status_code == 404
    )


def test_entity_routes_signal_read_and_list_with_the_extension_status_codes(base: str) -> None:
    key = uuid.uuid4().hex[:8]
    entity = f"{base}/entities/counter/{key}"
    assert requests.get(entity, timeout=30).status_code == 404
    assert requests.post(f"{entity}?op=add", json=4, timeout=30).status_code == 202
    assert (
        requests.post(
            f"{entity}?op=add",
            data="{bad",
            timeout=30,
            headers={"Content-Type": "application/json"},
        ).status_code
        == 400
    )
    unknown = requests.post(f"{base}/entities/nothing/{key}?op=add", json=1, timeout=30)
    assert unknown.status_code == 400
    import time

    deadline = time.monotonic() + 10
    while requests.get(entity, timeout=30).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert requests.get(entity, timeout=30).json() == 4
    listed = requests.get(f"{base}/entities/counter", timeout=30)
    assert listed.status_code == 200 and listed.headers["x-ms-continuation-token"] == "null"
    assert {"name": "counter", "key": key} in [e["entityId"] for e in listed.json()]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("PUT", "/instances"),
        ("GET", "/orchestrators/greet_cities"),
        ("POST", "/instances/x/unknown-operation"),
        ("GET", "/instances/x/raiseEvent/y"),
    ],
)
def test_unrouted_requests_are_404_with_a_json_body(base: str, method: str, path: str) -> None:
    response = requests.request(method, f"{base}{path}", timeout=30)
    assert response.status_code == 404
    assert isinstance(response.json(), str)


# ------------------------------------------------------------------ the SDK client end to end


def test_the_sdk_client_management_calls_all_work_against_the_host(host: SampleHost) -> None:
    """get_status_all/by, suspend, resume, rewind, restart, purge_by, entities: none raise."""

    async def scenario() -> dict[str, Any]:
        client = client_for(host)
        other = await client.start_new("report_progress", None, None)  # get_status_all sees both
        waiting = await client.start_new("report_progress", None, None)
        await asyncio.sleep(0.5)
        await client.suspend(waiting, "hold")
        suspended = (await client.get_status(waiting)).runtime_status
        await client.resume(waiting, "go")
        await client.raise_event(waiting, "finish", {"n": 1})
        by_prefix = await client.get_status_by(instance_id_prefix=waiting)
        everything = await client.get_status_all()
        failing = await client.start_new("fails_until_rewound", None, {"key": uuid.uuid4().hex})
        for _ in range(100):
            if (await client.get_status(failing)).runtime_status.value == "Failed":
                break
            await asyncio.sleep(0.1)
        await client.rewind(failing, "again")
        entity = df.EntityId("counter", uuid.uuid4().hex[:8])
        await client.signal_entity(entity, "add", 2)
        await asyncio.sleep(0.5)
        entity_state = await client.read_entity_state(entity)
        restarted = await client.restart(waiting)
        await asyncio.sleep(1)
        purged = await client.purge_instance_history_by(
            created_time_from=datetime.now(UTC) - timedelta(minutes=10),
            runtime_status=[df.OrchestrationRuntimeStatus.Completed],
        )
        from azure.durable_functions.models.utils.http_utils import _close_session

        await _close_session()
        return {
            "suspended": suspended.value,
            "by_prefix": [s.instance_id for s in by_prefix],
            "all": {s.instance_id for s in everything} >= {waiting, other},
            "restarted": restarted,
            "purged": purged.instances_deleted,
            "entity": (entity_state.entity_exists, entity_state.entity_state),
        }

    outcome = asyncio.run(scenario())
    assert outcome["suspended"] == "Suspended"
    assert len(outcome["by_prefix"]) == 1
    assert outcome["all"] is True
    assert outcome["restarted"]
    assert outcome["purged"] >= 1
    assert outcome["entity"] == (True, 2)


def test_management_urls_in_the_binding_are_all_served(host: SampleHost) -> None:
    client = client_for(host)
    instance_id = start(host.rpc, "report_progress")
    urls = client.create_http_management_payload(instance_id)
    assert requests.get(urls["statusQueryGetUri"], timeout=30).status_code == 202
    send = urls["sendEventPostUri"].replace("{eventName}", "finish")
    assert requests.post(send, json=json.dumps("x"), timeout=30).status_code == 202
    assert wait(host.rpc, instance_id, "Completed")["output"] == {"finished_with": '"x"'}
    assert requests.delete(urls["purgeHistoryDeleteUri"], timeout=30).status_code == 200
