"""The official samples' patterns, run on the local host and driven as their READMEs drive them.

Each test starts an orchestration through the HTTP starter, then uses only the URLs of the
`create_check_status_response` payload (statusQueryGetUri, sendEventPostUri, ...).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.data.tables import TableServiceClient

from tests.durable_host import SampleHost, launch_samples_host
from tests.durable_samples_app.function_app import challenge_code_for


@pytest.fixture(scope="module")
def samples(azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleHost]:
    host = launch_samples_host(azurite, tmp_path_factory.mktemp("samples"))
    yield host
    host.process.stop()


def test_check_status_response_is_202_with_a_location_and_live_urls(samples: SampleHost) -> None:
    response = requests.post(f"{samples.base_url}/api/orchestrators/greet_cities", timeout=30)
    assert response.status_code == 202
    payload = response.json()
    assert response.headers["Location"] == payload["statusQueryGetUri"]
    for key in (
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "purgeHistoryDeleteUri",
        "suspendPostUri",
        "resumePostUri",
        "rewindPostUri",
        "restartPostUri",
    ):
        assert payload[key].startswith(f"{samples.webhooks}/instances/{payload['id']}"), key
    status = samples.wait(payload["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed"


def test_function_chaining_returns_every_greeting_in_order(samples: SampleHost) -> None:
    status = samples.wait(samples.start("greet_cities")["statusQueryGetUri"])
    assert status["output"] == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]


def test_fan_out_fan_in_sums_every_parallel_result(samples: SampleHost) -> None:
    status = samples.wait(samples.start("count_words_in_parallel", 5)["statusQueryGetUri"])
    assert status["output"] == {"texts": 5, "words": 1 + 2 + 3 + 4 + 5}


def test_human_interaction_accepts_the_code_raised_on_the_send_event_url(
    samples: SampleHost,
) -> None:
    phone = "+1-555-0100"
    urls = samples.start("verify_phone", phone)
    samples.wait(urls["statusQueryGetUri"], lambda s: s["runtimeStatus"] == "Running")
    send = urls["sendEventPostUri"].replace("{eventName}", "SmsChallengeResponse")
    code = challenge_code_for(phone)
    # The body is parsed once: the JSON string "1234" stays a string and is not the code.
    wrong = requests.post(
        send, data=json.dumps(str(code)), timeout=30, headers={"Content-Type": "application/json"}
    )
    assert wrong.status_code == 202
    samples.wait(
        urls["statusQueryGetUri"], lambda s: (s["customStatus"] or {}).get("attempts") == 1
    )
    right = requests.post(send, json=code, timeout=30)
    assert right.status_code == 202
    status = samples.wait(urls["statusQueryGetUri"])
    assert status["output"] == {"verified": True, "attempts": 2}
    assert status["customStatus"] == {"attempts": 2, "last": code}


def test_monitor_polls_on_timers_until_the_job_is_done(samples: SampleHost) -> None:
    job = {"key": uuid.uuid4().hex, "done_after": 3, "interval_seconds": 0.3, "expiry_seconds": 30}
    status = samples.wait(samples.start("monitor_job", job)["statusQueryGetUri"])
    assert status["output"] == {"state": "done", "checks": 3}


def test_sub_orchestrations_run_in_parallel_and_with_retry(samples: SampleHost) -> None:
    body = {"devices": ["thermostat", "camera"], "key": uuid.uuid4().hex}
    urls = samples.start("provision_devices", body)
    status = samples.wait(urls["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"]["devices"] == [
        {"result": "registered thermostat", "parent": True},
        {"result": "registered camera", "parent": True},
    ]
    assert status["output"]["flaky"] == {"result": "registered flaky", "parent": True}
    history = requests.get(urls["statusQueryGetUri"] + "&showHistory=true", timeout=30).json()
    kinds = [e["EventType"] for e in history["historyEvents"]]
    assert kinds.count("SubOrchestrationInstanceCompleted") == 3
    assert kinds.count("SubOrchestrationInstanceFailed") == 1  # the flaky child's first attempt
    first_child = next(
        e for e in history["historyEvents"] if e["EventType"] == "SubOrchestrationInstanceCompleted"
    )
    assert first_child["FunctionName"] == "provision_device"
    child_id = f"{urls['id']}:0"
    child = requests.get(f"{samples.webhooks}/instances/{child_id}", timeout=30).json()
    assert child["runtimeStatus"] == "Completed" and child["input"] == json.dumps("thermostat")


def test_a_failing_sub_orchestration_surfaces_as_a_catchable_error(samples: SampleHost) -> None:
    status = samples.wait(samples.start("failing_child_parent")["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed"
    assert "child failed on purpose" in status["output"]["caught"]


def test_custom_status_shows_progress_until_the_event_finishes_it(samples: SampleHost) -> None:
    urls = samples.start("report_progress")
    waiting = samples.wait(urls["statusQueryGetUri"], lambda s: s["customStatus"] is not None)
    assert waiting["customStatus"] == {"stage": "waiting"}
    send = urls["sendEventPostUri"].replace("{eventName}", "finish")
    assert requests.post(send, json={"by": "test"}, timeout=30).status_code == 202
    status = samples.wait(urls["statusQueryGetUri"])
    assert status["customStatus"] == {"stage": "done"}
    assert status["output"] == {"finished_with": {"by": "test"}}


def test_counter_entity_runs_signals_in_order_and_answers_calls(samples: SampleHost) -> None:
    key = uuid.uuid4().hex[:8]
    urls = samples.start("counter_with_entity", {"key": key})
    status = samples.wait(urls["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"]["value"] == 3
    assert "unknown operation explode" in status["output"]["error"]
    state = requests.get(f"{samples.webhooks}/entities/counter/{key}", timeout=30)
    assert state.status_code == 200 and state.json() == 3


def test_counter_entity_over_http_as_the_sample_readme_drives_it(samples: SampleHost) -> None:
    key = uuid.uuid4().hex[:8]
    entity = f"{samples.webhooks}/entities/counter/{key}"
    assert requests.get(entity, timeout=30).status_code == 404
    for amount in (5, 6):
        assert requests.post(f"{entity}?op=add", json=amount, timeout=30).status_code == 202
    samples.wait(entity, lambda body: body == 11)
    listed = requests.get(f"{samples.webhooks}/entities/counter?fetchState=true", timeout=30)
    mine = [e for e in listed.json() if e["entityId"] == {"name": "counter", "key": key}]
    assert len(mine) == 1 and mine[0]["state"] == 11
    assert requests.post(f"{entity}?op=reset", timeout=30).status_code == 202
    samples.wait(entity, lambda body: body == 0)


def test_call_http_follows_the_202_location_polling_until_the_result(
    samples: SampleHost,
) -> None:
    urls = samples.start("calls_http", {"base": samples.base_url})
    status = samples.wait(urls["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"] == {"status": 200, "body": {"done": True, "polls": 3}}


def test_call_http_with_a_managed_identity_token_fails_clearly(samples: SampleHost) -> None:
    status = samples.wait(samples.start("calls_http_with_managed_identity")["statusQueryGetUri"])
    assert "token_source needs Azure managed identity" in status["output"]["error"]


def test_continue_as_new_carries_events_raised_meanwhile_to_the_next_generation(
    samples: SampleHost,
) -> None:
    urls = samples.start("sum_events_forever", 0)
    send = urls["sendEventPostUri"].replace("{eventName}", "add")
    for amount in (1, 2, 3):  # all at once: two arrive while a generation is restarting
        assert requests.post(send, json=amount, timeout=30).status_code == 202
    status = samples.wait(urls["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed" and status["output"] == 6


def test_an_entity_operation_queued_when_the_host_stopped_runs_after_it_starts(
    azurite: str, tmp_path: Path
) -> None:
    """Queued entity operations live in Azurite (the entity's inbox), not only in memory."""
    hub = "Queued" + uuid.uuid4().hex[:8]
    table = TableServiceClient.from_connection_string(azurite).create_table_if_not_exists(
        f"{hub}Instances"
    )
    key = uuid.uuid4().hex[:8]
    queued = {"operation": "add", "input": "7", "request_id": None, "caller": None}
    table.create_entity(
        {"PartitionKey": f"@counter@{key}", "RowKey": "i0000-queued", "Event": json.dumps(queued)}
    )
    host = launch_samples_host(azurite, tmp_path, hub_name=hub)
    try:
        entity = f"{host.webhooks}/entities/counter/{key}"
        assert host.wait(entity, lambda body: body == 7, timeout=15) == 7
    finally:
        host.process.stop()
