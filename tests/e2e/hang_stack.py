"""A local stack of its own for the tests of ARM hangs and host kills (docs/reliability.md).

Its simulator can be frozen (SIGSTOP) without disturbing other tests, and its host has short
ARM patience (HOST_ENV), so a frozen ARM costs seconds. Each test module that uses it starts
its own, so their waits run side by side on the suite's workers.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.arm_simulator.certificate import certificate_path
from local.arm_simulator.process import start_arm_simulator
from local.processes import ChildProcess, free_port, start_local_host
from tests.arm_fixtures import SIMULATOR_TEST_ENV, ArmSimulator, arm_simulator_base_url
from tests.stack_fixtures import LocalStack, UserClient, stack_env

GROUP = "rg-hang"
# Lifecycle operations take this long on this stack's simulator: long enough to freeze ARM
# while one is still running.
OPERATION_SECONDS = 6
# ARM patience of this stack's host (settings): a frozen ARM costs a request <= 4 s + 8 s.
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


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class HangStack:
    """This stack's simulator (freezable) and local host."""

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


@contextmanager
def running_hang_stack(azurite: str, data_dir: Path) -> Iterator[HangStack]:
    """Start the simulator and the host on free ports; stop both afterwards."""
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
    try:
        yield HangStack(simulator, arm, stack)
    finally:
        stack.host.stop()
        simulator.stop()


def created_cluster(user: UserClient, prefix: str = "hang-") -> str:
    name = unique_name(prefix)
    document = user.wait(user.provision(name, resource_group=GROUP), timeout=90)
    assert document["status"] == "succeeded", document
    return name


def operate(user: UserClient, name: str, operation: str, body: Any = None, **kw: Any) -> Any:
    return user.post(f"/api/aks/clusters/{GROUP}/{name}/{operation}", json=body, **kw)
