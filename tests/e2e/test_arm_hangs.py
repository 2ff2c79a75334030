"""The truth when Azure hangs or the host dies (issue #23), through the real stack.

The ARM simulator is frozen with SIGSTOP (it accepts connections and never answers, like a
hung ARM), or the host is SIGKILLed while it accepts operations. Every test checks what a
user sees against what ARM and the tables hold. Timings are reported (tests/figures.py),
never asserted.

The stack here is this module's own: its simulator can be frozen without disturbing other
tests, and its host has short ARM patience (settings), so a frozen ARM costs seconds.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from azure.mgmt.containerservice import ContainerServiceClient

from local.arm_simulator.certificate import certificate_path
from local.arm_simulator.process import start_arm_simulator
from local.processes import ChildProcess, free_port, start_local_host
from provisioning.errors.product import ARM_NOT_ANSWERING_STEP
from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ProvisionRequest, TaskStatus
from tests.arm_fixtures import (
    SIMULATOR_TEST_ENV,
    ArmSimulator,
    arm_simulator_base_url,
    make_arm_client,
)
from tests.e2e.test_faults import jobstate_rows
from tests.figures import report_figure
from tests.stack_fixtures import TERMINAL_STATUSES, LocalStack, UserClient, stack_env

logger = logging.getLogger(__name__)
_report = functools.partial(report_figure, prefix="arm-hangs: ")

GROUP = "rg-hang"
FREEZE_SECONDS = 20
# Lifecycle operations take this long on this module's simulator: long enough to freeze ARM
# while one is still running.
OPERATION_SECONDS = 6
# ARM patience of this module's host (settings): a frozen ARM costs a request <= 4 s + 8 s.
HOST_ENV = {
    "ARM_REQUEST_CONNECT_TIMEOUT_SECONDS": "4",
    "ARM_REQUEST_READ_TIMEOUT_SECONDS": "8",
    "ARM_REQUEST_RETRIES": "0",
    "ARM_WORKFLOW_CONNECT_TIMEOUT_SECONDS": "2",
    "ARM_WORKFLOW_READ_TIMEOUT_SECONDS": "2",
    "ARM_WORKFLOW_RETRIES": "0",
    "ARM_REQUEST_WORKERS": "4",
    # The accept window is then 5 + 2 x (2 x 2 + 1) = 15 s.
    "DURABLE_CLIENT_TIMEOUT_SECONDS": "5",
}
ACCEPT_WINDOW_SECONDS = 15
SLOW_CALLS = 8
# One round per delay: the host dies before, during and after the accepts of a round.
KILL_AFTER_SECONDS = (0.2, 0.4, 0.6, 0.8, 1.1, 1.5)
CLUSTERS_PER_ROUND = 10


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class HangStack:
    """This module's simulator (freezable) and local host."""

    simulator: ChildProcess
    arm: ArmSimulator
    stack: LocalStack

    @contextmanager
    def arm_frozen(self) -> Iterator[None]:
        """ARM accepts connections and answers nothing until the block ends."""
        os.kill(self.simulator.proc.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.simulator.proc.pid, signal.SIGCONT)

    def user(self, name: str) -> UserClient:
        return self.stack.user(name)


@pytest.fixture(scope="module")
def hang(azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HangStack]:
    data_dir = tmp_path_factory.mktemp("hang-simulator")
    sim_port = free_port()
    simulator = start_arm_simulator(
        data_dir,
        sim_port,
        log_path=data_dir / "sim.log",
        env={**SIMULATOR_TEST_ENV, "ARM_SIMULATOR_CREATE_SECONDS": str(OPERATION_SECONDS)},
    )
    arm = ArmSimulator(
        arm_simulator_base_url(sim_port), certificate_path(data_dir.resolve()), sim_port, data_dir
    )
    env = {**stack_env(azurite, arm, "JobState" + uuid.uuid4().hex[:8]), **HOST_ENV}
    port, rpc_port = free_port(), free_port()
    hub = "Hang" + uuid.uuid4().hex[:8]
    log_path = data_dir / "host.log"
    host = start_local_host(port, rpc_port, env, log_path=log_path, hub_name=hub)
    stack = LocalStack(f"http://127.0.0.1:{port}", host, log_path, env, rpc_port, hub)
    yield HangStack(simulator, arm, stack)
    stack.host.stop()
    simulator.stop()


@pytest.fixture
def arm(hang: HangStack) -> Iterator[ContainerServiceClient]:
    client = make_arm_client(hang.arm)
    yield client
    client.close()


def _created(user: UserClient, prefix: str = "hang-") -> str:
    name = _name(prefix)
    document = user.wait(user.provision(name, resource_group=GROUP), timeout=90)
    assert document["status"] == "succeeded", document
    return name


def _operate(user: UserClient, name: str, operation: str, body: Any = None, **kw: Any) -> Any:
    return user.post(f"/api/aks/clusters/{GROUP}/{name}/{operation}", json=body, **kw)


def _watch_while_frozen(user: UserClient, task_id: str, seconds: float) -> list[dict[str, Any]]:
    """The task document, read every half second for `seconds` (storage only: ARM is frozen)."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(user.task(task_id))
        time.sleep(0.5)
    return seen


# ------------------------------------------------------------- F1: a status is what ARM says


def test_a_stop_cancelled_while_arm_hangs_stays_running_and_ends_as_arm_says(
    hang: HangStack, arm: ContainerServiceClient, request: pytest.FixtureRequest
) -> None:
    user = hang.user("hang-stop")
    name = _created(user)
    stop = _operate(user, name, "stop")
    assert stop.status_code == 202, stop.text
    task_id = stop.json()["task_id"]
    user.wait_until(task_id, lambda d: d["progress"]["cluster_state"] == "Stopping")

    with hang.arm_frozen():
        cancel = user.post(f"/api/tasks/{task_id}/cancel")
        seen = _watch_while_frozen(user, task_id, FREEZE_SECONDS)
    thawed = time.monotonic()
    final = user.wait(task_id, timeout=120)
    after = time.monotonic() - thawed
    cluster = arm.managed_clusters.get(GROUP, name)
    _report(
        request,
        f"stop cancelled while ARM hung {FREEZE_SECONDS}s: statuses seen "
        f"{sorted({d['status'] for d in seen})}, '{ARM_NOT_ANSWERING_STEP}' shown "
        f"{any(d['progress']['step'] == ARM_NOT_ANSWERING_STEP for d in seen)}; "
        f"{final['status']} {after:.1f}s after ARM came back (ARM: "
        f"{cluster.provisioning_state}, power {cluster.power_state.code.value})",
    )

    assert cancel.status_code == 202, cancel.text
    assert {d["status"] for d in seen} == {"running"}  # nothing claimed without ARM's word
    assert any(d["progress"]["step"] == ARM_NOT_ANSWERING_STEP for d in seen)
    # What the task says is what ARM says.
    if final["status"] == "succeeded":
        assert cluster.power_state.code == "Stopped"
    else:
        assert final["status"] == "cancelled", final
        assert cluster.provisioning_state in ("Canceling", "Canceled")


def test_a_create_cancelled_while_arm_hangs_stays_running_and_ends_as_arm_says(
    hang: HangStack, arm: ContainerServiceClient, request: pytest.FixtureRequest
) -> None:
    user = hang.user("hang-create")
    name = _name("slow-")
    task_id = user.provision(name, resource_group=GROUP)
    user.wait_until(task_id, lambda d: d["progress"]["cluster_seen"], timeout=60)

    with hang.arm_frozen():
        cancel = user.post(f"/api/tasks/{task_id}/cancel")
        seen = _watch_while_frozen(user, task_id, FREEZE_SECONDS)
    thawed = time.monotonic()
    final = user.wait(task_id, timeout=120)
    after = time.monotonic() - thawed
    state = arm.managed_clusters.get(GROUP, name).provisioning_state
    _report(
        request,
        f"create cancelled while ARM hung {FREEZE_SECONDS}s: statuses seen "
        f"{sorted({d['status'] for d in seen})}; {final['status']} {after:.1f}s after ARM "
        f"came back (ARM: {state})",
    )

    assert cancel.status_code == 202, cancel.text
    assert {d["status"] for d in seen} == {"running"}
    assert any(d["progress"]["step"] == ARM_NOT_ANSWERING_STEP for d in seen)
    assert final["status"] == "cancelled", final  # a slow- create is still Creating: abortable
    assert final["progress"]["cluster_seen"] is True
    assert state in ("Canceling", "Canceled")


# ------------------------------------------------- F2: ARM faults at accept time are a 503


def test_lifecycle_requests_while_arm_hangs_answer_503_arm_unavailable_and_write_nothing(
    hang: HangStack, request: pytest.FixtureRequest
) -> None:
    user = hang.user("hang-accept")
    name = _created(user)
    before = jobstate_rows(hang.stack.env, user.owner_id)
    asks = (
        ("stop", None),
        ("upgrade", {"kubernetes_version": "1.33.2"}),
        ("delete", {"confirm": name}),
    )

    answers = []
    with hang.arm_frozen():
        for operation, body in asks:
            started = time.monotonic()
            response = _operate(user, name, operation, body, timeout=120)
            answers.append((operation, response, time.monotonic() - started))
    after = jobstate_rows(hang.stack.env, user.owner_id)
    retried = _operate(user, name, "stop")
    _report(
        request,
        "lifecycle POSTs while ARM hung: "
        + ", ".join(f"{op} {r.status_code} after {s:.1f}s" for op, r, s in answers),
    )

    for operation, response, _ in answers:
        assert response.status_code == 503, (operation, response.text)
        assert response.headers["Content-Type"].startswith("application/json")
        error = response.json()["error"]
        assert error["code"] == "arm_unavailable"
        assert "Azure Resource Manager" in error["message"]
        assert int(response.headers["Retry-After"]) > 0
    assert after.keys() == before.keys()  # nothing written
    assert retried.status_code == 202, retried.text  # and nothing claimed
    user.wait(retried.json()["task_id"], timeout=90)


def test_no_request_answers_500_while_arm_hangs(
    hang: HangStack, request: pytest.FixtureRequest
) -> None:
    user = hang.user("hang-sweep")
    name = _created(user)
    failed = user.wait(user.provision(_name("quota-"), resource_group=GROUP))["task_id"]
    cluster = f"/api/aks/clusters/{GROUP}/{name}"
    body = {"cluster_name": _name("sweep-"), "resource_group": GROUP, "region": "eastus"}
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/api/aks/clusters", None),
        ("GET", "/api/aks/options?region=eastus", None),
        ("POST", "/api/aks/preflight", body),
        ("GET", f"{cluster}/kubeconfig", None),
        ("POST", f"{cluster}/stop", None),
        ("POST", f"{cluster}/scale", {"node_pool": "system", "node_count": 2}),
        (
            "POST",
            f"{cluster}/pools",
            {"name": "work", "vm_size": "Standard_D4s_v5", "node_count": 1},
        ),
        ("POST", f"{cluster}/delete", {"confirm": name}),
        ("POST", "/api/aks/provision", body),
        ("GET", f"/api/tasks/{failed}", None),
        ("POST", f"/api/tasks/{failed}/delete-cluster", None),
        ("POST", f"/api/tasks/{failed}/dismiss", None),
        ("GET", "/api/aks/recent-failed-provisions", None),
        ("GET", "/api/aks/provisions", None),
        ("GET", "/api/openapi.json", None),
    ]

    answers = []
    with hang.arm_frozen():
        for method, path, payload in calls:
            started = time.monotonic()
            response = user.request(method, path, json=payload, timeout=120)
            code = (
                response.json().get("error", {}).get("code") if response.status_code >= 400 else ""
            )
            answers.append((method, path, response.status_code, code, time.monotonic() - started))
    _report(
        request,
        "every endpoint while ARM hung: "
        + ", ".join(
            f"{m} {p.split('?')[0].rsplit('/', 1)[-1]} {s}{' ' + c if c else ''} {t:.1f}s"
            for m, p, s, c, t in answers
        ),
    )

    server_errors = [(m, p, s, c) for m, p, s, c, _ in answers if s >= 500 and s != 503]
    assert server_errors == []
    for method, path, status, code, _ in answers:
        if status == 503:
            assert code in ("arm_unavailable", "azure_unavailable", "busy"), (method, path, code)


# ------------------------------------------- F3: a hung ARM never slows storage-only requests


def test_storage_only_requests_stay_fast_while_arm_bound_ones_hang(
    hang: HangStack, request: pytest.FixtureRequest
) -> None:
    lister, other = hang.user("hang-lister"), hang.user("hang-reader")
    failed = other.wait(other.provision(_name("quota-"), resource_group=GROUP))
    assert failed["status"] == "failed"
    task_id = failed["task_id"]

    def list_clusters(_: int) -> tuple[int, float, str | None]:
        started = time.monotonic()
        response = lister.get("/api/aks/clusters", timeout=120)
        return response.status_code, time.monotonic() - started, response.headers.get("Retry-After")

    with hang.arm_frozen(), ThreadPoolExecutor(SLOW_CALLS) as pool:
        hung = [pool.submit(list_clusters, n) for n in range(SLOW_CALLS)]
        time.sleep(1.0)  # every ARM-bound thread is now stuck on the frozen ARM
        timings = {}
        for label, call in (
            ("task", lambda: other.get(f"/api/tasks/{task_id}", timeout=120)),
            ("recent failures", lambda: other.get("/api/aks/recent-failed-provisions")),
            ("history", lambda: other.get("/api/aks/provisions", timeout=120)),
            ("cancel", lambda: other.post(f"/api/tasks/{task_id}/cancel", timeout=120)),
            ("dismiss", lambda: other.post(f"/api/tasks/{task_id}/dismiss", timeout=120)),
        ):
            started = time.monotonic()
            response = call()
            timings[label] = (response.status_code, time.monotonic() - started)
        listed = [future.result() for future in hung]
    busy = [item for item in listed if item[0] == 503]
    _report(
        request,
        f"{SLOW_CALLS} cluster lists on a hung ARM ({HOST_ENV['ARM_REQUEST_WORKERS']} ARM "
        f"threads): {len(busy)} answered 503 busy in "
        f"{max((s for _, s, _ in busy), default=0):.2f}s max; storage-only meanwhile: "
        + ", ".join(f"{k} {code} in {s * 1000:.0f} ms" for k, (code, s) in timings.items()),
    )

    assert all(code == 200 for code, _ in timings.values()), timings
    # At most one list per ARM thread waits on ARM (then 200 degraded); the rest are refused
    # at once with Retry-After instead of queueing behind them.
    workers = int(HOST_ENV["ARM_REQUEST_WORKERS"])
    assert len(busy) >= SLOW_CALLS - workers, listed
    assert {code for code, _, _ in listed} <= {200, 503}
    assert all(retry_after and int(retry_after) > 0 for code, _, retry_after in busy)


# ------------------------- F6: the list and the 409 name the active operation, however old


def test_an_active_operation_behind_sixty_newer_tasks_shows_in_the_list_and_the_409(
    hang: HangStack, arm: ContainerServiceClient
) -> None:
    user = hang.user("hang-history")
    name = _name("slow-")
    create = user.provision(name, resource_group=GROUP)
    user.wait_until(create, lambda d: d["progress"]["cluster_seen"], timeout=60)
    repo = _repository(hang.stack.env)
    for index in range(60):  # the user's newer history: finished tasks on other clusters
        repo.insert_new(_finished_task(user.owner_id, f"other-{index}"))

    listed = next(c for c in user.get("/api/aks/clusters").json()["clusters"] if c["name"] == name)
    refused = _operate(user, name, "delete", {"confirm": name})
    named = user.get(f"/api/tasks/{refused.json()['error'].get('task_id')}")

    assert listed["operation"] is not None, listed
    assert listed["operation"]["task_id"] == create
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "operation_in_progress"
    assert named.status_code == 200 and named.json()["status"] == "running"
    user.post(f"/api/tasks/{create}/cancel")
    assert user.wait(create, timeout=90)["status"] == "cancelled"


def _repository(env: dict[str, str]) -> JobStateRepository:
    """The product's repository on this stack's tables (to write history directly)."""
    table = env["JOBSTATE_TABLE_NAME"]
    connection = env["AzureWebJobsStorage"]
    return JobStateRepository(
        table_client_from_connection_string(connection, table, timeout_seconds=5),
        table_client_from_connection_string(
            connection, claims_table_name(table), timeout_seconds=5
        ),
    )


def _finished_task(owner_id: str, cluster: str) -> JobState:
    now = datetime.now(UTC)
    request = ProvisionRequest(
        "00000000-0000-0000-0000-000000000000", GROUP, cluster, "eastus", "Standard_D2s_v3", 1, None
    )
    job = JobState.new(owner_id, new_task_id(now, uuid.uuid4().hex[:12]), request, now=now)
    return replace(job, status=TaskStatus.SUCCEEDED)


# ----------------------------- F4, F5: a host killed while it accepts blocks nothing for long


def test_after_host_kills_during_accept_every_cluster_is_free_again_within_the_window(
    hang: HangStack, arm: ContainerServiceClient, request: pytest.FixtureRequest
) -> None:
    user = hang.user("hang-kill")
    names = _create_many(user, CLUSTERS_PER_ROUND)
    # Room for every request of a round to be mid-accept when the host dies.
    with _host_env(hang.stack, ARM_REQUEST_WORKERS=str(CLUSTERS_PER_ROUND)):
        accepted: list[str] = []
        for kill_after in KILL_AFTER_SECONDS:
            accepted += _one_killed_round(hang, user, names, kill_after=kill_after)
        rows = jobstate_rows(hang.stack.env, user.owner_id)
        orphans = [
            task_id
            for task_id, row in rows.items()
            if row.status == TaskStatus.QUEUED and not _instance_exists(hang.stack, task_id)
        ]
        rowless = [
            holder for holder in _claim_holders(hang.stack.env, user.owner_id) if holder not in rows
        ]
        time.sleep(ACCEPT_WINDOW_SECONDS + 1)
        ghosts, waits, freed_in = _free_every_cluster(user, arm, names)
    _report(
        request,
        f"host SIGKILLed during accept, {len(KILL_AFTER_SECONDS)} rounds x "
        f"{CLUSTERS_PER_ROUND} ops: "
        f"{len(accepted)} answered 202 before a kill, {len(orphans)} queued rows without a "
        f"workflow and {len(rowless)} claims without a row left; after the "
        f"{ACCEPT_WINDOW_SECONDS}s accept window every cluster took a new operation within "
        f"{freed_in:.1f}s ({waits} waits on genuinely running operations, {len(ghosts)} 409s "
        "naming a task that does not run)",
    )

    assert ghosts == [], ghosts
    for task_id in orphans:
        document = user.task(task_id)
        assert document["status"] == "failed", document
        assert document["error"]["code"] == "OrchestrationLost"


@contextmanager
def _host_env(stack: LocalStack, **changes: str) -> Iterator[None]:
    """Run the block on a host restarted with these settings, then restart it as it was."""
    original = dict(stack.env)
    stack.env.update(changes)
    stack.restart(kill=False)
    try:
        yield
    finally:
        stack.env.clear()
        stack.env.update(original)
        stack.restart(kill=False)


def _create_many(user: UserClient, count: int) -> list[str]:
    names = [_name("kill-") for _ in range(count)]
    tasks = [user.provision(name, resource_group=GROUP) for name in names]
    for task_id in tasks:
        assert user.wait(task_id, timeout=120)["status"] == "succeeded"
    return names


def _power_states(user: UserClient) -> dict[str, str]:
    clusters = user.get("/api/aks/clusters", timeout=60).json()["clusters"]
    return {c["name"]: c["power_state"] for c in clusters}


def _next_operation(power_state: Any) -> str:
    return "start" if power_state == "Stopped" else "stop"


def _one_killed_round(
    hang: HangStack, user: UserClient, names: list[str], *, kill_after: float
) -> list[str]:
    """Send one operation per cluster at once, SIGKILL the host meanwhile, restart it."""
    states = _power_states(user)

    def send(name: str) -> str | None:
        try:
            response = _operate(user, name, _next_operation(states.get(name)), timeout=30)
        except requests.RequestException:
            return None  # the host died under this request
        return response.json()["task_id"] if response.status_code == 202 else None

    with ThreadPoolExecutor(len(names)) as pool:
        futures = [pool.submit(send, name) for name in names]
        time.sleep(kill_after)
        hang.stack.restart(kill=True)
        results = [future.result() for future in futures]
    return [task_id for task_id in results if task_id]


def _claim_holders(env: dict[str, str], owner_id: str) -> list[str]:
    """The task ids holding the owner's cluster claims, read straight from the claims table."""
    table = claims_table_name(env["JOBSTATE_TABLE_NAME"])
    client = table_client_from_connection_string(
        env["AzureWebJobsStorage"], table, timeout_seconds=5
    )
    with client:
        rows = client.query_entities("PartitionKey eq @pk", parameters={"pk": owner_id})
        return [str(row["TaskId"]) for row in rows if str(row["RowKey"]).startswith("active-")]


def _instance_exists(stack: LocalStack, task_id: str) -> bool:
    """Whether the workflow engine has an orchestration for the task (its management API)."""
    response = requests.get(
        f"{stack.base_url}/runtime/webhooks/durabletask/instances/{task_id}", timeout=30
    )
    return response.status_code != 404


def _free_every_cluster(
    user: UserClient, arm: ContainerServiceClient, names: list[str]
) -> tuple[list[str], int, float]:
    """Ask each cluster for a new operation until it takes one (202).

    The operation is chosen from ARM's power state (not through the API, whose list also
    clears lost operations): so only the accept path is tested. Returns the 409s naming a
    task that does not run, the waits on genuinely running operations, and how long it took
    until every cluster had answered 202.
    """
    ghosts: list[str] = []
    waits = 0
    accepted: list[str] = []
    pending = list(names)
    started = time.monotonic()
    deadline = started + 180
    while pending and time.monotonic() < deadline:
        for name in list(pending):
            power = arm.managed_clusters.get(GROUP, name).power_state.code
            response = _operate(user, name, _next_operation(power))
            if response.status_code == 202:
                accepted.append(response.json()["task_id"])
                pending.remove(name)
                continue
            error = response.json()["error"]
            if error["code"] == "invalid_state":
                continue  # the power state changed meanwhile: read it again
            assert error["code"] == "operation_in_progress", response.text
            holder = user.get(f"/api/tasks/{error['task_id']}")
            if holder.status_code != 200 or holder.json()["status"] in TERMINAL_STATUSES:
                ghosts.append(error["task_id"])
                continue
            # A genuinely running operation (it survived the kill): it must finish by itself.
            waits += 1
            ended = user.wait(error["task_id"], timeout=90)
            if ended["error"] and ended["error"]["code"] == "OrchestrationLost":
                ghosts.append(error["task_id"])
        time.sleep(0.5)
    took = time.monotonic() - started
    assert not pending, f"clusters still blocked: {pending}"
    for task_id in accepted:
        user.wait(task_id, timeout=120)
    return ghosts, waits, took
