"""The benchmarks' own stack on free ports in a temp dir: Azurite, ARM simulator, local host."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from local.arm_simulator.process import (
    arm_simulator_base_url,
    certificate_path,
    start_arm_simulator,
)
from local.processes import (
    azurite_connection_string,
    free_port,
    start_azurite_table,
    start_local_host,
)

SIMULATOR_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
ARM_CREATE_SECONDS = 3
POLL_SECONDS = 1


@dataclass(frozen=True)
class FunctionHost:
    """Where the real function app is served, and its durable RPC API."""

    base_url: str
    rpc_url: str
    log_path: Path
    arm_create_seconds: int
    poll_seconds: int
    arm_url: str = ""
    arm_ca_bundle: str = ""
    # The host's process id (memory is read from it) and the settings it runs with.
    pid: int = 0
    env: dict[str, str] = field(default_factory=dict)
    hub_name: str = ""


@contextmanager
def azurite(work_dir: Path) -> Iterator[str]:
    """A private Azurite Table service; yields its connection string."""
    port = free_port()
    child = start_azurite_table(work_dir / "azurite", port, log_path=work_dir / "azurite.log")
    try:
        yield azurite_connection_string(port)
    finally:
        child.stop()


@contextmanager
def function_host(
    work_dir: Path, connection_string: str, extra_env: dict[str, str] | None = None
) -> Iterator[FunctionHost]:
    """The ARM simulator (fast creates) and the local host running function_app.

    `extra_env` adds or overrides app settings (the guardrails benchmark shortens minutes).
    """
    simulator_dir = work_dir / "arm-simulator"
    simulator_port = free_port()
    simulator = start_arm_simulator(
        simulator_dir,
        simulator_port,
        log_path=work_dir / "arm-simulator.log",
        env={"ARM_SIMULATOR_CREATE_SECONDS": str(ARM_CREATE_SECONDS)},
    )
    try:
        port, rpc_port = free_port(), free_port()
        env = {
            "AzureWebJobsStorage": connection_string,
            "ARM_ENDPOINT": arm_simulator_base_url(simulator_port),
            "RETAIL_PRICES_ENDPOINT": arm_simulator_base_url(simulator_port),
            "ARM_CA_BUNDLE": str(certificate_path(simulator_dir.resolve())),
            "AZURE_SUBSCRIPTION_ID": SIMULATOR_SUBSCRIPTION_ID,
            "JOBSTATE_TABLE_NAME": "BenchJobState" + uuid.uuid4().hex[:8],
            "PROVISION_POLL_SECONDS": str(POLL_SECONDS),
            "LOCAL_HOST_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        log_path = work_dir / "host.log"
        hub_name = "BenchHub" + uuid.uuid4().hex[:8]
        host = start_local_host(port, rpc_port, env, log_path=log_path, hub_name=hub_name)
        try:
            yield FunctionHost(
                base_url=f"http://127.0.0.1:{port}",
                rpc_url=f"http://127.0.0.1:{rpc_port}",
                log_path=log_path,
                arm_create_seconds=ARM_CREATE_SECONDS,
                poll_seconds=POLL_SECONDS,
                arm_url=arm_simulator_base_url(simulator_port),
                arm_ca_bundle=str(certificate_path(simulator_dir.resolve())),
                pid=host.proc.pid,
                env=env,
                hub_name=hub_name,
            )
        finally:
            host.stop()
    finally:
        simulator.stop()
