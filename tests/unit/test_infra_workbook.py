"""The workbook and the alerts in Bicep: built from the shared queries, wired into main.bicep.

No Bicep compiler runs here, so these check the templates' structure and assemble the
workbook from workbook.json and queries/*.kql exactly as workbook.bicep does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from provisioning.telemetry import (
    CONNECTION_SETTING,
    EXPORT_SETTING,
    EXPORTED_LOGGER,
    LOGGER_NAME_SETTING,
)
from tests.unit.test_infra_queries import SHARED_FUNCTION, query_files
from tests.unit.test_infra_settings import bicep_app_settings

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "infra" / "app"
WORKBOOK_BICEP = APP / "workbook.bicep"
ALERTS_BICEP = APP / "alerts.bicep"
MAIN_BICEP = REPO / "infra" / "main.bicep"
HOST_PLACEHOLDER = "__FUNCTION_APP_HOST__"
# The parts the operator expects (issue #15), by query name.
REQUIRED_PARTS = {
    "attempts_over_time",
    "failures_by_category",
    "duration_percentiles",
    "stuck_attempts",
    "preflight_failures",
    "lifecycle_operations",
    "task_history",
}

_LOADED_QUERY = re.compile(
    r"^\s*(?P<key>[a-z_]+): "
    r"'\$\{appEvents\}\$\{loadTextContent\('queries/(?P<file>[a-z_]+)\.kql'\)\}'$",
    re.M,
)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def bicep_query_map() -> dict[str, str]:
    """workbook.bicep's `queries` object: item name -> query file it loads (after appEvents)."""
    return {m["key"]: m["file"] for m in _LOADED_QUERY.finditer(_read(WORKBOOK_BICEP))}


def assembled_workbook() -> dict[str, Any]:
    """The notebook workbook.bicep serializes, built the same way from the same files."""
    layout = json.loads(_read(APP / "workbook.json"))
    queries = query_files()
    items = [
        {
            **item,
            "content": {
                **item["content"],
                "query": queries[SHARED_FUNCTION] + queries[bicep_query_map()[item["name"]]],
            },
        }
        for item in layout["queryItems"]
    ]
    serialized = json.dumps(
        {**layout["notebook"], "items": layout["header"] + items + layout["footer"]}
    )
    return dict(json.loads(serialized.replace(HOST_PLACEHOLDER, "app.example.net")))


@pytest.fixture(scope="module")
def workbook() -> dict[str, Any]:
    return assembled_workbook()


def test_every_workbook_query_loads_its_own_query_file_after_the_shared_function() -> None:
    layout = json.loads(_read(APP / "workbook.json"))
    names = [item["name"] for item in layout["queryItems"]]

    assert bicep_query_map() == {name: name for name in names}
    assert set(names) >= REQUIRED_PARTS
    assert "var appEvents = loadTextContent('queries/app_events.kql')" in _read(WORKBOOK_BICEP)


def test_workbook_queries_are_the_guides_queries(workbook: dict[str, Any]) -> None:
    queries = query_files()
    for item in workbook["items"]:
        if item["type"] == 3:
            assert item["content"]["query"] == queries[SHARED_FUNCTION] + queries[item["name"]]


def test_every_query_file_is_used_by_the_workbook_or_an_alert() -> None:
    used = set(bicep_query_map().values()) | {SHARED_FUNCTION}
    used |= set(re.findall(r"loadTextContent\('queries/([a-z_]+)\.kql'\)", _read(ALERTS_BICEP)))

    assert used == query_files().keys()


def test_workbook_is_a_notebook_over_application_insights(workbook: dict[str, Any]) -> None:
    kinds = {item["type"] for item in workbook["items"]}
    query_items = [item for item in workbook["items"] if item["type"] == 3]

    assert workbook["version"] == "Notebook/1.0" and kinds == {1, 3, 9}
    for item in query_items:
        content = item["content"]
        assert content["version"] == "KqlItem/1.0"
        assert content["resourceType"] == "microsoft.insights/components"
        assert content["timeContextFromParameter"] == "TimeRange"


def test_every_parameter_a_query_uses_is_defined_and_the_host_is_filled_in(
    workbook: dict[str, Any],
) -> None:
    (parameters,) = [item for item in workbook["items"] if item["type"] == 9]
    defined = {parameter["name"] for parameter in parameters["content"]["parameters"]}
    used: set[str] = set()
    for item in workbook["items"]:
        if item["type"] == 3:
            used |= set(re.findall(r"\{([A-Za-z]+)\}", item["content"]["query"]))
            used |= set(re.findall(r"\{([A-Za-z]+)\}", item["content"]["title"]))

    assert used <= defined and "TimeRange" in defined
    host = next(p for p in parameters["content"]["parameters"] if p["name"] == "AppHost")
    assert host["value"] == "app.example.net"
    assert _read(APP / "workbook.json").count(HOST_PLACEHOLDER) == 1
    assert f"replace(string(notebook), '{HOST_PLACEHOLDER}', functionAppHost)" in _read(
        WORKBOOK_BICEP
    )


def test_task_lookup_shows_only_with_a_task_id_and_links_its_history(
    workbook: dict[str, Any],
) -> None:
    (lookup,) = [item for item in workbook["items"] if item["name"] == "task_history"]

    assert lookup["conditionalVisibility"]["parameterName"] == "TaskId"
    (link,) = lookup["content"]["gridSettings"]["formatters"]
    assert link["columnMatch"] == "history_url" and link["formatOptions"]["linkTarget"] == "Url"


def test_workbook_resource_is_a_shared_workbook_linked_to_application_insights() -> None:
    source = _read(WORKBOOK_BICEP)

    assert "resource workbook 'Microsoft.Insights/workbooks@" in source
    assert "kind: 'shared'" in source and "category: 'workbook'" in source
    assert "sourceId: toLower(applicationInsights.id)" in source
    assert "name: guid(resourceGroup().id, " in source
    assert "output portalUrl string = " in source


def test_main_deploys_the_workbook_and_outputs_its_portal_link() -> None:
    main = _read(MAIN_BICEP)
    readme = _read(REPO / "README.md")

    assert "module workbook 'app/workbook.bicep' = {" in main
    assert "functionAppHost: api.outputs.hostName" in main
    assert "output hostName string = functionApp.properties.defaultHostName" in _read(
        APP / "api.bicep"
    )
    assert "output MONITORING_WORKBOOK_URL string = workbook.outputs.portalUrl" in main
    assert "MONITORING_WORKBOOK_URL" in readme


def _alert_blocks(source: str) -> dict[str, str]:
    """Each scheduledQueryRules resource's body, by its symbolic name."""
    starts = [
        (m["name"], m.start())
        for m in re.finditer(
            r"^resource (?P<name>\w+) 'Microsoft\.Insights/scheduledQueryRules@[^']+' = \{",
            source,
            re.M,
        )
    ]
    ends = [start for _, start in starts[1:]] + [len(source)]
    return {name: source[start:end] for (name, start), end in zip(starts, ends, strict=True)}


def test_alerts_cover_failed_operations_of_every_type_and_stuck_attempts() -> None:
    source = _read(ALERTS_BICEP)
    alerts = _alert_blocks(source)

    assert alerts.keys() == {"failedOperationsAlert", "stuckAttemptsAlert"}
    failed, stuck = alerts["failedOperationsAlert"], alerts["stuckAttemptsAlert"]
    assert "query: failedOperationsQuery" in failed and "metricMeasureColumn: 'failures'" in failed
    assert re.search(r"dimensions: \[\s*\{\s*name: 'task_type'", failed)
    assert "query: stuckAttemptsQuery" in stuck and "metricMeasureColumn: 'stuck'" in stuck
    assert "threshold: 0" in stuck and "windowSize: 'P2D'" in stuck
    assert (
        "var failedOperationsQuery = '${appEvents}${loadTextContent"
        "('queries/alert_failed_operations.kql')}'" in source
    )
    assert (
        "var stuckAttemptsQuery = '${appEvents}${loadTextContent('queries/stuck_attempts.kql')}"
        "| summarize stuck = count()\\n'" in source
    )
    for block in alerts.values():
        assert "applicationInsights.id" in block and "actionGroups: actionGroups" in block


def test_alert_queries_return_the_columns_the_rules_measure() -> None:
    queries = query_files()

    assert "summarize failures = sum(itemCount) by task_type" in queries["alert_failed_operations"]
    assert queries["stuck_attempts"].endswith("\n")  # the alert appends its count on a new line


def test_main_deploys_both_alerts_next_to_application_insights() -> None:
    main = _read(MAIN_BICEP)
    block = main[main.index("module alerts 'app/alerts.bicep' = {") :].split("\n}\n", 1)[0]

    assert "failedOperationsAlertName: " in block and "stuckAttemptsAlertName: " in block
    assert "applicationInsightsName: monitoring.outputs.applicationInsightsName" in block
    assert "alertEmail: alertEmail" in block


def test_telemetry_export_is_a_deployment_choice_passed_to_the_app_settings() -> None:
    main = _read(MAIN_BICEP)
    parameters = json.loads(_read(REPO / "infra" / "main.parameters.json"))["parameters"]

    assert "param exportTelemetryDimensions bool = true" in main
    assert "exportTelemetryDimensions: exportTelemetryDimensions" in main
    assert parameters["exportTelemetryDimensions"] == {
        "value": "${EXPORT_TELEMETRY_DIMENSIONS=true}"
    }


def test_the_workers_telemetry_settings_are_deployed_for_the_apps_loggers() -> None:
    deployed = bicep_app_settings(_read(APP / "api.bicep"))

    assert deployed[EXPORT_SETTING] == "exportTelemetryDimensions ? 'true' : 'false'"
    assert deployed[LOGGER_NAME_SETTING] == f"'{EXPORTED_LOGGER}'"
    assert CONNECTION_SETTING in deployed
