"""The truth when Azure hangs or the host dies (issue #23), through the real stack.

The ARM simulator is frozen with SIGSTOP (it accepts connections and never answers, like a
hung ARM), or the host is SIGKILLed while it accepts operations. Every test checks what a
user sees against what ARM and the tables hold. Timings are reported (tests/figures.py),
never asserted.

The stack here is this module's own (tests/e2e/hang_stack.py); the host-kill rounds are in
test_host_kill_during_accept.py, with a stack of their own, so the two run side by side.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.errors.product import ARM_NOT_ANSWERING_STEP
from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ProvisionRequest, TaskStatus
from tests.e2e.hang_stack import (
    GROUP,
    HOST_ENV,
    HangStack,
    created_cluster,
    operate,
    unique_name,
)
from tests.e2e.test_faults import jobstate_rows
from tests.figures import report_figure
from tests.stack_fixtures import UserClient

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

logger = logging.getLogger(__name__)
_report = functools.partial(report_figure, prefix="arm-hangs: ")

FREEZE_SECONDS = 20
SLOW_CALLS = 8


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
    name = created_cluster(user)
    stop = operate(user, name, "stop")
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
    name = unique_name("slow-")
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
    name = created_cluster(user)
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
            response = operate(user, name, operation, body, timeout=120)
            answers.append((operation, response, time.monotonic() - started))
    after = jobstate_rows(hang.stack.env, user.owner_id)
    retried = operate(user, name, "stop")
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
    name = created_cluster(user)
    failed = user.wait(user.provision(unique_name("quota-"), resource_group=GROUP))["task_id"]
    cluster = f"/api/aks/clusters/{GROUP}/{name}"
    body = {"cluster_name": unique_name("sweep-"), "resource_group": GROUP, "region": "eastus"}
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
    failed = other.wait(other.provision(unique_name("quota-"), resource_group=GROUP))
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
    name = unique_name("slow-")
    create = user.provision(name, resource_group=GROUP)
    user.wait_until(create, lambda d: d["progress"]["cluster_seen"], timeout=60)
    repo = _repository(hang.stack.env)
    for index in range(60):  # the user's newer history: finished tasks on other clusters
        repo.insert_new(_finished_task(user.owner_id, f"other-{index}"))

    listed = next(c for c in user.get("/api/aks/clusters").json()["clusters"] if c["name"] == name)
    refused = operate(user, name, "delete", {"confirm": name})
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
