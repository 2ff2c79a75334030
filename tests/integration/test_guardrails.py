"""Guardrails against the real parts: Azurite tables, the ARM simulator, the real SDKs.

Node CPU goes through azure-mgmt-monitor's metrics.list; the check and the act run the
domain code the guard's activities run, with the clock passed in.
"""

from __future__ import annotations

import json
import ssl
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import Request, urlopen

import pytest
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.monitor import MonitorManagementClient

from local.arm_simulator.certificate import certificate_path
from local.arm_simulator.process import start_arm_simulator
from local.processes import free_port
from provisioning.arm_credentials import SimulatorCredential
from provisioning.clusters.inventory import ClusterView, read_one_cluster
from provisioning.clusters.ownership import product_tags
from provisioning.guardrails.idle import read_idle_evidence
from provisioning.guardrails.messages import ActInput, ActOutcome, CheckInput, GuardInput, Wake
from provisioning.guardrails.model import ActionKind, Guardrails
from provisioning.guardrails.repository import GuardrailRepository
from provisioning.guardrails.service import (
    act_on_guard,
    check_guard,
    read_evidence_with,
    set_guardrails,
)
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.tables import table_client_from_connection_string
from provisioning.models import TaskStatus, TaskType, Trigger
from provisioning.operations.attempts import OperationInProgress, OrchestrationTiming
from provisioning.operations.lifecycle import ClusterOperationRequest, accept_cluster_operation
from provisioning.operations.registry import STOP
from tests.arm_fixtures import (
    SIMULATOR_SUBSCRIPTION_ID,
    SIMULATOR_TEST_ENV,
    ArmSimulator,
    arm_simulator_base_url,
    managed_cluster_body,
)

GROUP = "rg-guard"
OWNER = "owner-guard"
THRESHOLD = 5.0


@pytest.fixture(scope="module")
def arm_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmSimulator]:
    """This module's own simulator, so its request counts are this module's alone.

    The worker's shared simulator also serves hosts started by earlier e2e files, whose
    guards keep reading it every second.
    """
    data_dir = tmp_path_factory.mktemp("guard-simulator").resolve()
    port = free_port()
    child = start_arm_simulator(
        data_dir, port, log_path=data_dir / "arm-simulator.log", env=SIMULATOR_TEST_ENV
    )
    yield ArmSimulator(arm_simulator_base_url(port), certificate_path(data_dir), port, data_dir)
    child.stop()


@pytest.fixture
def monitor(arm_simulator: ArmSimulator) -> Iterator[MonitorManagementClient]:
    client = MonitorManagementClient(
        SimulatorCredential(),
        SIMULATOR_SUBSCRIPTION_ID,
        base_url=arm_simulator.base_url,
        connection_verify=str(arm_simulator.cert_path),
    )
    yield client
    client.close()


@pytest.fixture
def guards(azurite: str, unique_table_name: str) -> Iterator[GuardrailRepository]:
    table = table_client_from_connection_string(
        azurite, "G" + unique_table_name[:60], timeout_seconds=5
    )
    repository = GuardrailRepository(table)
    repository.ensure_table()
    yield repository
    table.delete_table()


def simulator_call(simulator: ArmSimulator, method: str, path: str, body: Any = None) -> Any:
    """A call to the simulator's own routes (health, the CPU control route)."""
    context = ssl.create_default_context(cafile=str(simulator.cert_path))
    data = json.dumps(body).encode() if body is not None else None
    request = Request(simulator.base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urlopen(request, context=context, timeout=10) as response:
        return json.loads(response.read())


def arm_reads(simulator: ArmSimulator) -> int:
    counts = simulator_call(simulator, "GET", "/_simulator/health")["requests"]
    return sum(n for kind, n in counts.items() if kind.startswith("GET"))


def create(arm_client: ContainerServiceClient, prefix: str = "guard-") -> ClusterView:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    body = managed_cluster_body(tags=product_tags(OWNER, "2516614703999999999-aaaaaaaaaaaa"))
    arm_client.managed_clusters.begin_create_or_update(GROUP, name, body).result()
    view = read_one_cluster(arm_client, GROUP, name)
    assert view is not None
    return view


def cpu_now(monitor: MonitorManagementClient, view: ClusterView, seconds: int = 120) -> list[Any]:
    now = datetime.now(UTC)
    start = now - timedelta(seconds=seconds)
    response = monitor.metrics.list(
        view.id,
        timespan=f"{start:%Y-%m-%dT%H:%M:%SZ}/{now:%Y-%m-%dT%H:%M:%SZ}",
        interval="PT1M",
        metricnames="node_cpu_usage_percentage",
        aggregation="Average",
    )
    [metric] = response.value
    return [point for series in metric.timeseries for point in series.data]


# ---------------------------------------------------------------- the simulator's metrics


def test_a_quiet_cluster_reports_low_cpu_and_a_busy_one_high(
    arm_client: ContainerServiceClient, monitor: MonitorManagementClient
) -> None:
    quiet, busy = create(arm_client), create(arm_client, "busy-")
    time.sleep(1.5)  # the timespan ends on a whole second: let both run for one
    assert {round(p.average) for p in cpu_now(monitor, quiet)} == {2}
    assert {round(p.average) for p in cpu_now(monitor, busy)} == {60}


def test_one_point_per_interval_over_the_timespan(
    arm_client: ContainerServiceClient, monitor: MonitorManagementClient
) -> None:
    view = create(arm_client)
    time.sleep(1)
    points = cpu_now(monitor, view, seconds=600)
    stamps = [p.time_stamp for p in points]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(b - a == timedelta(minutes=1) for a, b in zip(stamps, stamps[1:], strict=False))


def test_the_control_route_changes_cpu_from_now_on(
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
    arm_simulator: ArmSimulator,
) -> None:
    view = create(arm_client)
    time.sleep(1)
    before = cpu_now(monitor, view)[-1].average
    simulator_call(
        arm_simulator, "PUT", f"/_simulator/clusters/{GROUP}/{view.name}/cpu", {"percent": 90}
    )
    time.sleep(1)
    after = cpu_now(monitor, view)[-1].average
    assert round(before) == 2 and after > before  # the current minute now averages in 90 %


def test_a_stopped_cluster_has_no_points(
    arm_client: ContainerServiceClient, monitor: MonitorManagementClient
) -> None:
    view = create(arm_client)
    arm_client.managed_clusters.begin_stop(GROUP, view.name).result()
    assert cpu_now(monitor, view) == []


def test_an_unknown_metric_is_refused_like_azure(
    arm_client: ContainerServiceClient, monitor: MonitorManagementClient
) -> None:
    from azure.core.exceptions import HttpResponseError

    view = create(arm_client)
    with pytest.raises(HttpResponseError) as raised:
        monitor.metrics.list(view.id, metricnames="node_memory_rss_bytes")
    assert raised.value.status_code == 400


def test_a_failed_metrics_read_is_evidence_of_nothing(monitor: MonitorManagementClient) -> None:
    now = datetime.now(UTC)
    missing = (
        f"/subscriptions/{SIMULATOR_SUBSCRIPTION_ID}/resourceGroups/{GROUP}/providers/"
        "Microsoft.ContainerService/managedClusters/nowhere-to-be-found"
    )
    evidence = read_idle_evidence(
        monitor, missing, window_start=now - timedelta(minutes=5), now=now, threshold=THRESHOLD
    )
    assert not evidence.read_ok


# ---------------------------------------------------------------- check and act


def guard_input(view: ClusterView, *, minute_seconds: float = 0.05) -> GuardInput:
    return GuardInput(
        owner_id=OWNER,
        resource_group=view.resource_group,
        cluster_name=view.name,
        subscription_id=SIMULATOR_SUBSCRIPTION_ID,
        tenant_id="tenant",
        check_seconds=300,
        minute_seconds=minute_seconds,
        idle_cpu_percent=THRESHOLD,
        poll_seconds=1,
        deadline_minutes=45,
        wake=Wake.TIMER,
    )


def check(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
    guard: GuardInput,
    now: datetime | None = None,
) -> Any:
    return check_guard(
        guards,
        repo,
        lambda group, name: read_one_cluster(arm_client, group, name),
        read_evidence_with(monitor, THRESHOLD),
        CheckInput(guard, now or datetime.now(UTC)),
    )


def test_an_idle_cluster_is_decided_checked_again_and_stopped_through_the_accept_flow(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client)
    set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=15), now=datetime.now(UTC))
    guard = guard_input(view)  # 15 minutes of 0.05 s: idle after under a second
    time.sleep(1.0)
    verdict = check(guards, repo, arm_client, monitor, guard)
    assert verdict.action is not None
    assert (verdict.action.kind, verdict.action.reason) == (ActionKind.STOP, Trigger.IDLE)

    acted = act_on_guard(
        guards,
        repo,
        lambda group, name: read_one_cluster(arm_client, group, name),
        ActInput(guard, verdict.action, datetime.now(UTC), uuid.uuid4().hex[:12]),
    )
    assert acted.outcome is ActOutcome.STARTED and acted.task_id is not None
    job = repo.get(OWNER, acted.task_id)
    assert job is not None
    assert (job.type, job.status, job.trigger, job.trigger_minutes) == (
        TaskType.AKS_STOP,
        TaskStatus.QUEUED,
        Trigger.IDLE,
        15,
    )
    # The claim is the user's claim: a user's stop now is refused, and a second act (another
    # generation) starts nothing: the running stop means the cluster is not idle.
    with pytest.raises(OperationInProgress):
        accept_cluster_operation(
            repo,
            OWNER,
            ClusterOperationRequest(STOP, view.resource_group, view.name),
            read_view=lambda group, name: read_one_cluster(arm_client, group, name),
            read_upgrades=lambda _view: [],
            subscription_id=SIMULATOR_SUBSCRIPTION_ID,
            tenant_id="tenant",
            timing=OrchestrationTiming(1, 45),
            now=datetime.now(UTC),
            unique=uuid.uuid4().hex[:12],
        )
    again = act_on_guard(
        guards,
        repo,
        lambda group, name: read_one_cluster(arm_client, group, name),
        ActInput(guard, verdict.action, datetime.now(UTC), uuid.uuid4().hex[:12]),
    )
    assert again.outcome is not ActOutcome.STARTED
    stops = [
        job
        for job in repo.cluster_history(OWNER, GROUP, view.name, 10)
        if job.type == TaskType.AKS_STOP
    ]
    assert len(stops) == 1


def test_a_due_expiry_waits_for_a_users_running_operation(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client)
    now = datetime.now(UTC)
    set_guardrails(guards, OWNER, view, Guardrails(expires_at=now + timedelta(minutes=2)), now=now)
    accept_cluster_operation(
        repo,
        OWNER,
        ClusterOperationRequest(STOP, view.resource_group, view.name),
        read_view=lambda group, name: read_one_cluster(arm_client, group, name),
        read_upgrades=lambda _view: [],
        subscription_id=SIMULATOR_SUBSCRIPTION_ID,
        tenant_id="tenant",
        timing=OrchestrationTiming(1, 45),
        now=now,
        unique=uuid.uuid4().hex[:12],
    )
    later = now + timedelta(minutes=3)
    verdict = check(guards, repo, arm_client, monitor, guard_input(view), later)
    assert verdict.action is None and verdict.postponed_by is not None
    from provisioning.guardrails.rules import GuardAction

    acted = act_on_guard(
        guards,
        repo,
        lambda group, name: read_one_cluster(arm_client, group, name),
        ActInput(
            guard_input(view), GuardAction(ActionKind.DELETE, Trigger.EXPIRY), later, "feedc0ffee00"
        ),
    )
    assert acted.outcome is ActOutcome.BUSY


def test_an_act_that_runs_again_reuses_its_own_task(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client)
    set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=15), now=datetime.now(UTC))
    guard = guard_input(view)
    time.sleep(1.0)
    verdict = check(guards, repo, arm_client, monitor, guard)
    assert verdict.action is not None
    act = ActInput(guard, verdict.action, datetime.now(UTC), "0123456789ab")
    reader = lambda group, name: read_one_cluster(arm_client, group, name)  # noqa: E731
    first = act_on_guard(guards, repo, reader, act)
    second = act_on_guard(guards, repo, reader, act)
    assert first.outcome is second.outcome is ActOutcome.STARTED
    assert first.task_id == second.task_id


def test_a_busy_cluster_is_not_idle(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client, "busy-")
    set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=15), now=datetime.now(UTC))
    time.sleep(1.0)
    assert check(guards, repo, arm_client, monitor, guard_input(view)).action is None


def test_an_idle_check_of_a_running_cluster_costs_two_arm_reads_and_none_when_stopped(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
    arm_simulator: ArmSimulator,
) -> None:
    view = create(arm_client, "busy-")
    set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=15), now=datetime.now(UTC))
    time.sleep(1.0)
    before = arm_reads(arm_simulator)
    verdict = check(guards, repo, arm_client, monitor, guard_input(view))
    assert verdict.arm_reads == 2 and arm_reads(arm_simulator) - before == 2

    arm_client.managed_clusters.begin_stop(GROUP, view.name).result()
    woke = check(guards, repo, arm_client, monitor, replace_wake(guard_input(view), Wake.CHANGED))
    assert woke.arm_reads == 1  # an event makes it look: it sees the cluster stopped
    before = arm_reads(arm_simulator)
    stopped = check(guards, repo, arm_client, monitor, guard_input(view))
    assert stopped.arm_reads == 0 and arm_reads(arm_simulator) == before


def replace_wake(guard: GuardInput, wake: Wake) -> GuardInput:
    from dataclasses import replace

    return replace(guard, wake=wake)


def test_an_expired_cluster_is_due_for_delete(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client)
    now = datetime.now(UTC)
    set_guardrails(guards, OWNER, view, Guardrails(expires_at=now + timedelta(minutes=2)), now=now)
    verdict = check(
        guards, repo, arm_client, monitor, guard_input(view), now + timedelta(minutes=3)
    )
    assert verdict.action is not None
    assert (verdict.action.kind, verdict.action.reason) == (ActionKind.DELETE, Trigger.EXPIRY)


def test_a_cluster_that_is_gone_ends_its_guard_and_its_guardrails(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client)
    set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=60), now=datetime.now(UTC))
    arm_client.managed_clusters.begin_delete(GROUP, view.name).result()
    verdict = check(guards, repo, arm_client, monitor, guard_input(view))
    assert verdict.ended and verdict.end_reason == "cluster gone"
    assert guards.get(OWNER, GROUP, view.name) is None


def test_removed_guardrails_end_the_guard(
    guards: GuardrailRepository,
    repo: JobStateRepository,
    arm_client: ContainerServiceClient,
    monitor: MonitorManagementClient,
) -> None:
    view = create(arm_client)
    set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=60), now=datetime.now(UTC))
    assert set_guardrails(guards, OWNER, view, Guardrails(), now=datetime.now(UTC)) is None
    assert check(guards, repo, arm_client, monitor, guard_input(view)).ended


def test_the_owner_rows_come_back_in_one_query(
    guards: GuardrailRepository, arm_client: ContainerServiceClient
) -> None:
    views = [create(arm_client) for _ in range(3)]
    for view in views:
        set_guardrails(guards, OWNER, view, Guardrails(idle_stop_minutes=30), now=datetime.now(UTC))
    listed = {record.cluster_name for record in guards.list_for_owner(OWNER)}
    assert {view.name for view in views} <= listed
