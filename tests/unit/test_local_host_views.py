"""Pure pieces of the local host: status/history views, body parsing, identity, app loading."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func
import pytest

from local.host import dev_identity
from local.host.durable.history import EventType, event
from local.host.durable.status_view import history_view, status_payload
from local.host.durable.store import InstanceState
from local.host.durable_http_api import management_payload, parse_body_once
from local.host.function_index import NoFunctionApp, find_function_app, load_index

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def test_a_json_string_body_is_parsed_once_and_stays_a_string() -> None:
    """MessagePayloadDataConverter.ConvertToJToken: one parse, no second guess."""
    assert json.loads(parse_body_once('"9361"')) == "9361"
    assert json.loads(parse_body_once("9361")) == 9361
    assert parse_body_once("") is None
    with pytest.raises(json.JSONDecodeError):
        parse_body_once("{oops")


def test_status_times_are_to_the_second_with_z_like_dtfx() -> None:
    state = InstanceState("id", "orch", "Completed", '"in"', NOW, NOW, output="1")
    body = status_payload(state, None, show_input=True)
    assert body["createdTime"] == "2026-01-02T03:04:05Z"
    assert body["input"] == "in" and body["output"] == 1
    assert "historyEvents" not in body


def test_history_view_folds_scheduling_and_hides_results_unless_asked() -> None:
    history = [
        event(EventType.ORCHESTRATOR_STARTED, -1, NOW),
        event(EventType.EXECUTION_STARTED, -1, NOW, Name="orch", Input="null"),
        event(EventType.TASK_SCHEDULED, 0, NOW, Name="act", Input='"x"'),
        event(EventType.ORCHESTRATOR_COMPLETED, -1, NOW),
        event(EventType.ORCHESTRATOR_STARTED, -1, NOW),
        event(EventType.TASK_COMPLETED, -1, NOW, TaskScheduledId=0, Result='"y"'),
        event(EventType.EXECUTION_COMPLETED, -1, NOW, Result='"y"'),
    ]
    hidden = history_view(history, show_output=False, show_input=False)
    assert [e["EventType"] for e in hidden] == [
        "ExecutionStarted",
        "TaskCompleted",
        "ExecutionCompleted",
    ]
    assert hidden[1]["FunctionName"] == "act" and hidden[1]["ScheduledTime"]
    assert all("Result" not in e and "Input" not in e for e in hidden)
    shown = history_view(history, show_output=True, show_input=True)
    assert shown[1]["Result"] == "y" and shown[1]["Input"] == '"x"'
    assert shown[0]["FunctionName"] == "orch"


def test_a_failure_is_shown_as_execution_completed_with_status_failed() -> None:
    failed = [event(EventType.EXECUTION_FAILED, -1, NOW, Reason="boom")]
    assert history_view(failed, show_output=True, show_input=True) == [
        {
            "EventType": "ExecutionCompleted",
            "Timestamp": failed[0]["Timestamp"],
            "OrchestrationStatus": "Failed",
            "Result": "boom",
        }
    ]


def test_management_payload_names_only_served_operations_on_the_webhook_root() -> None:
    payload = management_payload("http://h/runtime/webhooks/durabletask", "a b", "Hub")
    assert payload["statusQueryGetUri"] == (
        "http://h/runtime/webhooks/durabletask/instances/a%20b?taskHub=Hub&connection=Storage"
    )
    assert set(payload) == {
        "id",
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "purgeHistoryDeleteUri",
        "suspendPostUri",
        "resumePostUri",
        "rewindPostUri",
        "restartPostUri",
    }


OWN = "http://127.0.0.1:7071"


def test_plain_clients_without_origin_get_the_default_dev_user() -> None:
    assert dev_identity.identity_headers({}, {}, OWN)["X-MS-CLIENT-PRINCIPAL-NAME"] == "dev"


def test_same_origin_browser_requests_get_the_dev_user() -> None:
    headers = {"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
    assert dev_identity.identity_headers(headers, {}, OWN)["X-MS-CLIENT-PRINCIPAL-NAME"] == "dev"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"origin": "http://localhost:7071"},
    ],
)
def test_cookieless_cross_site_requests_are_not_signed_in(headers: dict[str, str]) -> None:
    """README dev identity: a page on another site must not act as the default dev user."""
    assert dev_identity.identity_headers(headers, {}, OWN) == {}


def test_a_cross_site_request_with_the_dev_cookie_or_a_principal_keeps_working() -> None:
    cookie = {dev_identity.DEV_USER_COOKIE: "alice"}
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert (
        dev_identity.identity_headers(cross, cookie, OWN)["X-MS-CLIENT-PRINCIPAL-NAME"] == "alice"
    )
    explicit = {**cross, "X-MS-CLIENT-PRINCIPAL": "e30="}
    assert dev_identity.identity_headers(explicit, {}, OWN) == {}


def module_with(**values: object) -> types.ModuleType:
    module = types.ModuleType("fake_function_app")
    module.__dict__.update(values)
    return module


def test_any_single_top_level_function_app_is_found_whatever_its_name() -> None:
    """The Python worker scans module globals for one FunctionRegister, not an `app` name."""
    my_app = df.DFApp()
    assert find_function_app(module_with(my_app=my_app, blueprint=df.Blueprint())) is my_app
    plain = func.FunctionApp()
    assert find_function_app(module_with(functions=plain)) is plain


def test_no_function_app_or_two_of_them_are_refused_like_the_worker() -> None:
    with pytest.raises(NoFunctionApp, match="Could not find top level function app"):
        find_function_app(module_with(blueprint=df.Blueprint()))
    with pytest.raises(NoFunctionApp, match="More than one"):
        find_function_app(module_with(a=df.DFApp(), b=func.FunctionApp()))


def test_host_json_is_read_to_its_first_object_like_the_functions_host(tmp_path: Path) -> None:
    """samples-v2/function_chaining ships a host.json with two objects; the host still starts."""
    from local.host.__main__ import read_host_json

    host_json = tmp_path / "host.json"
    host_json.write_text('{"version": "2.0", "extensions": {"http": {"routePrefix": "x"}}}{"a": 1}')
    assert read_host_json(host_json)["extensions"]["http"]["routePrefix"] == "x"
    assert read_host_json(tmp_path / "missing.json") == {}


class TriggerlessApp(func.FunctionApp):
    """An app whose one function lost its trigger (the SDK's types allow it)."""

    def get_functions(self) -> list[func.decorators.function_app.Function]:
        def orphan() -> None:
            """A function nothing can call."""

        return [func.decorators.function_app.Function(orphan, "function_app.py")]


def test_a_function_without_a_trigger_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "fake_triggerless_app", module_with(app=TriggerlessApp()))
    with pytest.raises(ValueError, match="function orphan has no trigger"):
        load_index("fake_triggerless_app")
