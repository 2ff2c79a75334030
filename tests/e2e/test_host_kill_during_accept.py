"""A host SIGKILLed while it accepts leaves no cluster blocked (docs/reliability.md F4, F5).

Ten operations at once, the host killed 0.2 to 1.5 s into them, six rounds; then every
cluster must take a new operation within the accept window. On a stack of its own
(tests/e2e/hang_stack.py), beside test_arm_hangs.py.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.models import TaskStatus
from tests.e2e.hang_stack import (
    ACCEPT_WINDOW_SECONDS,
    GROUP,
    HangStack,
    operate,
    unique_name,
)
from tests.e2e.test_faults import jobstate_rows
from tests.figures import report_figure
from tests.stack_fixtures import TERMINAL_STATUSES, LocalStack, UserClient

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

logger = logging.getLogger(__name__)
_report = functools.partial(report_figure, prefix="arm-hangs: ")

# One round per delay: the host dies before, during and after the accepts of a round.
KILL_AFTER_SECONDS = (0.2, 0.4, 0.6, 0.8, 1.1, 1.5)
CLUSTERS_PER_ROUND = 10


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
    names = [unique_name("kill-") for _ in range(count)]
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
            response = operate(user, name, _next_operation(states.get(name)), timeout=30)
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
            response = operate(user, name, _next_operation(power))
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
