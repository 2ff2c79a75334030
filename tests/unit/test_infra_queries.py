"""The monitoring queries have one source (infra/app/queries): the guide shows them verbatim,
and they read only events and fields the app really logs."""

from __future__ import annotations

import re
from pathlib import Path

from provisioning.jobs.events import attempt_dimensions, preflight_dimensions
from provisioning.models import TaskType
from provisioning.telemetry import EVENTS
from tests.unit.test_attempt_log import CHECKS, OWNER, REQUEST, failed_job

REPO = Path(__file__).resolve().parents[2]
QUERIES = REPO / "infra" / "app" / "queries"
GUIDE = REPO / "docs" / "monitoring.md"
API_BICEP = REPO / "infra" / "app" / "api.bicep"
SHARED_FUNCTION = "app_events"

_GUIDE_BLOCK = re.compile(r"<!-- query: (?P<name>[a-z_]+) -->\n```kusto\n(?P<text>.*?)```\n", re.S)


def query_files() -> dict[str, str]:
    """Every shared query by name (file stem) and text."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(QUERIES.glob("*.kql"))}


def guide_blocks() -> list[tuple[str, str]]:
    """(name, text) of every marked kusto block in docs/monitoring.md, in order."""
    return [(m["name"], m["text"]) for m in _GUIDE_BLOCK.finditer(GUIDE.read_text("utf-8"))]


def _without_comments(text: str) -> str:
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def test_the_guide_shows_every_shared_query_once_and_word_for_word() -> None:
    names = [name for name, _ in guide_blocks()]

    assert len(names) == len(set(names)), "a query is shown twice in the guide"
    assert dict(guide_blocks()) == query_files()


def test_the_guide_has_no_unmarked_kusto_block_that_could_drift() -> None:
    guide = GUIDE.read_text(encoding="utf-8")

    assert guide.count("```kusto") == len(guide_blocks())


def test_every_query_but_the_shared_function_starts_from_it() -> None:
    for name, text in query_files().items():
        if name == SHARED_FUNCTION:
            assert text.count(f"let {SHARED_FUNCTION} = (lookback: timespan)") == 1
            continue
        assert f"{SHARED_FUNCTION}(" in text, name
        assert "parse_json" not in text and "extract(" not in text, f"{name} parses on its own"


def test_the_shared_function_reads_only_fields_the_app_logs() -> None:
    logged = {
        "event",
        *attempt_dimensions(failed_job()),
        *preflight_dimensions(REQUEST, OWNER, CHECKS),
    }

    read = set(re.findall(r"\bf\.([a-z_]+)", query_files()[SHARED_FUNCTION]))

    assert read <= logged, f"read but never logged: {read - logged}"
    assert read >= logged - {"failed_checks"}, f"logged but not read: {logged - read}"


def test_queries_name_only_events_the_app_writes() -> None:
    named = set()
    for text in query_files().values():
        code = _without_comments(text)
        named |= set(re.findall(r'event == "([a-z_]+)"', code))
        for group in re.findall(r"event in \(([^)]*)\)", code):
            named |= set(re.findall(r'"([a-z_]+)"', group))

    assert named == EVENTS.keys()


def test_the_guide_lists_exactly_the_events_the_app_writes() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide[guide.index("## Events and their dimensions") :].split("\n## ", 1)[0]

    rows = re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", section, re.M)

    assert dict(rows) == EVENTS


def test_lifecycle_operations_are_every_task_type_but_provision() -> None:
    text = _without_comments(query_files()["lifecycle_operations"])
    group = re.search(r"task_type in \(([^)]*)\)", text)
    assert group is not None
    listed = set(re.findall(r'"(aks_[a-z_]+)"', group[1]))

    assert listed == {str(task_type) for task_type in TaskType} - {str(TaskType.AKS_PROVISION)}


def test_stuck_attempts_use_the_deadline_the_app_is_deployed_with() -> None:
    deployed = re.search(r"PROVISION_DEADLINE_MINUTES: '(\d+)'", API_BICEP.read_text("utf-8"))
    in_query = re.search(r"let deadline = (\d+)m;", query_files()["stuck_attempts"])

    assert deployed is not None and in_query is not None
    assert in_query[1] == deployed[1]


def test_the_task_lookup_takes_the_workbook_parameters_the_guide_explains() -> None:
    text = query_files()["task_history"]
    guide = GUIDE.read_text(encoding="utf-8")

    assert '"{TaskId}"' in text and '"{AppHost}"' in text
    assert "`{TaskId}`" in guide and "`{AppHost}`" in guide
    assert "prop__instanceId" in text and "/runtime/webhooks/durabletask/instances/" in text
