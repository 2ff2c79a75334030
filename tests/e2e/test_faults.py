"""Faults injected into the running stack: each test checks what the user sees and that no
JobState row is lost or corrupted (every row still parses, keeps its request and creation time,
and a terminal status is never changed by the fault).

Counts and timings are reported on the terminal (for docs/reliability.md), never asserted on.
Covered elsewhere: recent failures degrade while Azurite hangs (test_api_tasks.py), 429/503
within azure-core's retries (flaky-, test_simulator_scenarios.py), the duplicate-submit race
(test_api_provision.py).
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from local.processes import (
    ChildProcess,
    azurite_connection_string,
    free_port,
    start_azurite_table,
    start_local_host,
)
from provisioning.jobs.entity import job_from_entity
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import table_client_from_connection_string
from tests.arm_fixtures import ArmSimulator
from tests.figures import report_figure
from tests.stack_fixtures import TERMINAL_STATUSES, LocalStack, UserClient, stack_env

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

logger = logging.getLogger(__name__)
_report = functools.partial(report_figure, prefix="faults: ")

AZURITE_DATA_FILE = "__azurite_db_table__.json"
HANG_SECONDS = 6
DOWN_SECONDS = 6


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def jobstate_rows(env: dict[str, str], owner_id: str) -> dict[str, JobState]:
    """Every JobState row of one owner, read straight from the table (not through the API)."""
    client = table_client_from_connection_string(
        env["AzureWebJobsStorage"], env["JOBSTATE_TABLE_NAME"], timeout_seconds=5
    )
    with client:
        entities = client.query_entities("PartitionKey eq @pk", parameters={"pk": owner_id})
        return {entity["RowKey"]: job_from_entity(entity) for entity in entities}


def assert_rows_intact(before: dict[str, JobState], after: dict[str, JobState]) -> None:
    """No row vanished; identity, request and creation time kept; terminal rows untouched."""
    missing = sorted(set(before) - set(after))
    assert missing == [], f"JobState rows lost: {missing}"
    for task_id, old in before.items():
        new = after[task_id]
        assert (new.owner_id, new.type, new.request) == (old.owner_id, old.type, old.request)
        assert new.created_at == old.created_at
        if old.status.is_terminal:
            assert (new.status, new.error, new.cluster_seen) == (
                old.status,
                old.error,
                old.cluster_seen,
            ), task_id


def assert_matches_row(document: dict[str, Any], row: JobState) -> None:
    """The API's task document says what the stored row says."""
    assert document["status"] == str(row.status)
    assert document["progress"]["cluster_seen"] == row.cluster_seen
    assert document["error"] == (row.error.to_dict() if row.error else None)


# ---------------------------------------------------------------- Table Storage faults


def test_attempts_finish_after_table_storage_hangs_and_resumes(
    local_stack: LocalStack, azurite_process: ChildProcess, request: pytest.FixtureRequest
) -> None:
    user = local_stack.user("fault-hang")
    finished = user.wait(user.provision(_name("quota-")))
    running = user.provision(_name("ok-"))
    user.wait_until(running, lambda d: d["progress"]["cluster_seen"])
    before = jobstate_rows(local_stack.env, user.owner_id)

    os.kill(azurite_process.proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        during = user.post(
            "/api/aks/provision",
            json={"cluster_name": _name("ok-"), "resource_group": "rg-e2e", "region": "eastus"},
            timeout=120,
        )
        answered = time.monotonic() - started
        time.sleep(max(0.0, HANG_SECONDS - answered))
    finally:
        os.kill(azurite_process.proc.pid, signal.SIGCONT)
    _report(
        request,
        f"azurite hung {HANG_SECONDS}s: provision answered {during.status_code} "
        f"after {answered:.1f}s",
    )

    assert during.status_code in (202, 503), during.text
    assert user.wait(running, timeout=120)["status"] == "succeeded"
    if during.status_code == 202:
        # Accepted without its row (storage hung): the first activity writes it.
        assert user.wait(during.json()["task_id"], timeout=120)["status"] == "succeeded"
    else:
        assert during.json()["error"]["code"] == "orchestration_unavailable"
        # The user was told to try again: a start the engine completed late must not go on to
        # create the cluster behind their back (it ends failed, before touching Azure).
        late = _task_id_from_log(local_stack, "could not start orchestration")
        if user.get(f"/api/tasks/{late}").status_code == 200:
            document = user.wait(late, timeout=120)
            assert document["status"] == "failed", document
            assert document["progress"]["cluster_seen"] is False
    after = jobstate_rows(local_stack.env, user.owner_id)
    assert_rows_intact(before, after)
    assert_matches_row(user.task(finished["task_id"]), after[finished["task_id"]])
    assert_matches_row(user.task(running), after[running])


def _task_id_from_log(stack: LocalStack, marker: str) -> str:
    """The task id the host logged last with `marker` (the 503 answer does not carry it)."""
    lines = [line for line in stack.log_path.read_text().splitlines() if marker in line]
    assert lines, f"no '{marker}' in the host log"
    return lines[-1].split(marker, 1)[1].split(":", 1)[0].strip()


@dataclass
class OwnStack:
    """An Azurite and a local host of this test's own, so Azurite can be stopped and restarted."""

    data_dir: Path
    azurite_port: int
    azurite: ChildProcess
    host: ChildProcess
    env: dict[str, str]
    base_url: str

    def wait_for_azurite_save(self) -> None:
        """Azurite (LokiJS) writes its data file every 5 s and drops unsaved writes when it
        stops; Azure Table Storage acknowledges writes durably. Wait for one save first."""
        data_file = self.data_dir / AZURITE_DATA_FILE
        since = time.time()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if data_file.exists() and data_file.stat().st_mtime > since:
                return
            time.sleep(0.1)
        raise AssertionError("Azurite did not save its data file")

    def restart_azurite(self) -> None:
        """Start Azurite again on the same port and data directory."""
        self.azurite = start_azurite_table(
            self.data_dir, self.azurite_port, log_path=self.data_dir / "azurite.log"
        )


@pytest.fixture
def own_stack(
    arm_simulator: ArmSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnStack]:
    """Private Azurite (persisting to a directory) plus a local host using it."""
    data_dir = tmp_path_factory.mktemp("own-azurite")
    azurite_port = free_port()
    azurite = start_azurite_table(data_dir, azurite_port, log_path=data_dir / "azurite.log")
    env = stack_env(
        azurite_connection_string(azurite_port), arm_simulator, "JobState" + uuid.uuid4().hex[:8]
    )
    port = free_port()
    host = start_local_host(
        port,
        free_port(),
        env,
        log_path=data_dir / "host.log",
        hub_name="Down" + uuid.uuid4().hex[:8],
    )
    stack = OwnStack(data_dir, azurite_port, azurite, host, env, f"http://127.0.0.1:{port}")
    yield stack
    stack.host.stop()
    stack.azurite.stop()


def test_attempts_finish_after_table_storage_goes_down_and_restarts(
    own_stack: OwnStack, request: pytest.FixtureRequest
) -> None:
    user = UserClient(own_stack.base_url, f"down-{uuid.uuid4().hex[:12]}", "down")
    finished = user.wait(user.provision(_name("quota-")))
    # A slow- cluster stays Creating through the outage; cancelling it afterwards proves its
    # orchestration kept polling through storage errors and still answers.
    running = user.provision(_name("slow-"))
    user.wait_until(running, lambda d: d["progress"]["cluster_seen"])
    before = jobstate_rows(own_stack.env, user.owner_id)

    own_stack.wait_for_azurite_save()
    own_stack.azurite.stop()
    started = time.monotonic()
    recent = user.get("/api/aks/recent-failed-provisions")
    task = user.get(f"/api/tasks/{finished['task_id']}")
    during = user.post(
        "/api/aks/provision",
        json={"cluster_name": _name("ok-"), "resource_group": "rg-e2e", "region": "eastus"},
        timeout=120,
    )
    answered = time.monotonic() - started
    time.sleep(max(0.0, DOWN_SECONDS - answered))
    own_stack.restart_azurite()
    _report(
        request,
        f"azurite down {DOWN_SECONDS}s: recent {recent.status_code}, task "
        f"{task.status_code}, provision {during.status_code}; 3 calls in "
        f"{answered:.1f}s",
    )

    assert recent.status_code == 200
    assert recent.json()["degraded"] is True
    assert task.status_code == 503
    assert task.json()["error"]["code"] == "storage_unavailable"
    assert during.status_code in (202, 503), during.text
    assert user.wait_until(running, lambda d: d["status"] == "running")["progress"]["cluster_seen"]
    assert user.post(f"/api/tasks/{running}/cancel").status_code == 202
    cancelled = user.wait(running, timeout=120)
    assert cancelled["status"] == "cancelled"
    assert cancelled["progress"]["cluster_seen"] is True
    if during.status_code == 202:
        assert user.wait(during.json()["task_id"], timeout=120)["status"] == "succeeded"
    after = jobstate_rows(own_stack.env, user.owner_id)
    assert_rows_intact(before, after)
    if during.status_code == 503:
        assert set(after) == set(before)
    recovered = user.get("/api/aks/recent-failed-provisions").json()
    assert recovered["degraded"] is False
    assert [job["task_id"] for job in recovered["jobs"]] == [running, finished["task_id"]]


# ---------------------------------------------------------------- ARM faults


def test_throttling_storm_longer_than_sdk_retries_still_succeeds(
    local_stack: LocalStack, request: pytest.FixtureRequest
) -> None:
    user = local_stack.user("fault-storm")
    started = time.monotonic()
    task_id = user.provision(_name("storm-"))
    document = user.wait(task_id, timeout=120)
    _report(
        request,
        f"ARM storm (6 x 429/503, Retry-After 1): succeeded after "
        f"{time.monotonic() - started:.1f}s",
    )
    assert document["status"] == "succeeded"
    assert document["error"] is None
    assert_matches_row(document, jobstate_rows(local_stack.env, user.owner_id)[task_id])


# ---------------------------------------------------------------- local host killed


def test_attempts_finish_after_the_host_is_killed_mid_create(
    local_stack: LocalStack, request: pytest.FixtureRequest
) -> None:
    user = local_stack.user("fault-kill-create")
    finished = user.wait(user.provision(_name("quota-")))
    creating = user.provision(_name("ok-"))
    user.wait_until(creating, lambda d: d["progress"]["cluster_seen"])
    just_accepted = user.provision(_name("ok-"))
    before = jobstate_rows(local_stack.env, user.owner_id)
    started = time.monotonic()
    local_stack.restart(kill=True)
    _report(request, f"host SIGKILLed mid-create, back in {time.monotonic() - started:.1f}s")

    for task_id in (creating, just_accepted):
        document = user.wait(task_id, timeout=120)
        assert document["status"] == "succeeded", document
        assert document["progress"]["cluster_state"] == "Succeeded"
    after = jobstate_rows(local_stack.env, user.owner_id)
    assert_rows_intact(before, after)
    for task_id in (finished["task_id"], creating, just_accepted):
        assert_matches_row(user.task(task_id), after[task_id])


def test_cancel_is_honoured_after_the_host_is_killed_mid_cancel(
    local_stack: LocalStack, request: pytest.FixtureRequest
) -> None:
    user = local_stack.user("fault-kill-cancel")
    task_id = user.provision(_name("slow-"))
    user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
    response = user.post(f"/api/tasks/{task_id}/cancel")
    assert response.status_code == 202
    before = jobstate_rows(local_stack.env, user.owner_id)
    started = time.monotonic()
    local_stack.restart(kill=True)
    _report(request, f"host SIGKILLed mid-cancel, back in {time.monotonic() - started:.1f}s")

    document = user.wait(task_id, timeout=120)
    assert document["status"] == "cancelled"
    assert document["progress"]["cluster_seen"] is True
    assert {"portal", "delete_cluster"} <= {a["kind"] for a in document["error"]["actions"]}
    recent = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    assert [job["task_id"] for job in recent] == [task_id]
    after = jobstate_rows(local_stack.env, user.owner_id)
    assert_rows_intact(before, after)
    assert_matches_row(document, after[task_id])


# ---------------------------------------------------------------- races


RACE_DELAYS = (1.2, 1.6, 2.0, 2.4, 2.8)


def test_cancel_racing_completion_ends_in_exactly_one_consistent_status(
    local_stack: LocalStack, request: pytest.FixtureRequest
) -> None:
    user = local_stack.user("fault-race")

    def race(delay: float) -> tuple[str, requests.Response]:
        client = UserClient(user.base_url, user.owner_id, "race")
        task_id = client.provision(_name("ok-"), resource_group=f"rg-race-{delay}")
        client.wait_until(task_id, lambda d: d["progress"]["cluster_seen"])
        time.sleep(delay)  # the simulator creates in 2 s: cancel lands either side of success
        return task_id, client.post(f"/api/tasks/{task_id}/cancel")

    with ThreadPoolExecutor(len(RACE_DELAYS)) as pool:
        results = list(pool.map(race, RACE_DELAYS))
    outcomes: Counter[str] = Counter()
    finals = {}
    for task_id, response in results:
        assert response.status_code in (200, 202), response.text
        document = user.wait(task_id, timeout=120)
        finals[task_id] = document["status"]
        outcomes[document["status"]] += 1
        if response.status_code == 200:
            assert response.json() == {
                "task_id": task_id,
                "status": document["status"],
                "was_running": False,
            }
    recent_rows = user.get("/api/aks/recent-failed-provisions").json()["jobs"]
    recent = {job["task_id"] for job in recent_rows}
    history_rows = user.get("/api/aks/provisions").json()["jobs"]
    history = {job["task_id"]: job["status"] for job in history_rows}
    rows = jobstate_rows(local_stack.env, user.owner_id)
    _report(request, f"cancel racing completion x{len(RACE_DELAYS)}: {dict(outcomes)}")

    for task_id, status in finals.items():
        assert status in ("succeeded", "cancelled")
        assert history[task_id] == status == str(rows[task_id].status)
        assert (task_id in recent) == (status == "cancelled")
        assert_matches_row(user.task(task_id), rows[task_id])


def test_parallel_provisions_from_three_users_keep_each_users_rows_apart(
    local_stack: LocalStack, request: pytest.FixtureRequest
) -> None:
    owners = {name: local_stack.user(name) for name in ("par-ann", "par-ben", "par-cy")}
    plan = [
        (name, "quota-" if i % 3 == 0 else "ok-")
        for i in range(20)
        for name in [list(owners)[i % 3]]
    ]

    def submit(item: tuple[str, str]) -> tuple[str, str, str]:
        name, prefix = item
        owner = owners[name]
        client = UserClient(owner.base_url, owner.owner_id, name)
        return name, prefix, client.provision(_name(prefix), resource_group=f"rg-{name}")

    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        submitted = list(pool.map(submit, plan))
    for name, _, task_id in submitted:
        assert owners[name].wait(task_id, timeout=180)["status"] in TERMINAL_STATUSES
    _report(
        request,
        f"20 parallel provisions from 3 users finished in {time.monotonic() - started:.1f}s",
    )

    for name, owner in owners.items():
        mine = {task_id for who, _, task_id in submitted if who == name}
        failed = {
            task_id for who, prefix, task_id in submitted if who == name and prefix == "quota-"
        }
        history = owner.get("/api/aks/provisions?limit=50").json()["jobs"]
        assert {job["task_id"] for job in history} == mine
        assert len(history) == len(mine)
        recent = owner.get("/api/aks/recent-failed-provisions?limit=20").json()["jobs"]
        assert {job["task_id"] for job in recent} == failed
        assert set(jobstate_rows(local_stack.env, owner.owner_id)) == mine
        for job in history:
            expected = "failed" if job["task_id"] in failed else "succeeded"
            assert job["status"] == expected, job
