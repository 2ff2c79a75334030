"""`python -m local.stack` (what `make run` runs): the whole local stack in the foreground.

Starts Azurite (blob, queue, table on their default ports so `UseDevelopmentStorage=true`
works), the ARM simulator and the local Functions host serving the API and the dashboard
on http://127.0.0.1:7071/. Ctrl-C or SIGTERM stops every child and exits 0; a child that
dies stops the others and exits 1. `USE_REAL_AZURE=1` skips the simulator so the same code
provisions real clusters through management.azure.com and DefaultAzureCredential.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from local.arm_simulator.process import (
    arm_simulator_base_url,
    certificate_path,
    start_arm_simulator,
)
from local.processes import (
    PROJECT_ROOT,
    ChildProcess,
    azurite_binary,
    azurite_connection_string,
    spawn,
    wait_for_port,
)

# Named explicitly: run with -m, __name__ would be "__main__".
logger = logging.getLogger("local.stack")

DATA_DIR = PROJECT_ROOT / ".local-data"
LOG_DIR = DATA_DIR / "logs"
AZURITE_DATA_DIR = DATA_DIR / "azurite"
ARM_SIMULATOR_DATA_DIR = DATA_DIR / "arm-simulator"

HOST_PORT = 7071
HOST_RPC_PORT = 17071
AZURITE_BLOB_PORT = 10000
AZURITE_QUEUE_PORT = 10001
AZURITE_TABLE_PORT = 10002
ARM_SIMULATOR_PORT = 7443
SIMULATOR_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
REAL_AZURE_FLAG = "USE_REAL_AZURE"
DASHBOARD_URL = f"http://127.0.0.1:{HOST_PORT}/"
# Cost guardrails' timing (README "Cost guardrails"): passed from your environment to the host,
# so `GUARDRAIL_MINUTE_SECONDS=1 make run` makes a 15-minute idle rule take 15 seconds.
GUARDRAIL_SETTINGS = (
    "GUARDRAIL_MINUTE_SECONDS",
    "GUARDRAIL_CHECK_SECONDS",
    "GUARDRAIL_IDLE_CPU_PERCENT",
)
WATCH_INTERVAL_SECONDS = 0.5


class StopRequested(Exception):
    """Raised by the SIGINT/SIGTERM handler so start-up and watching unwind the same way."""


@dataclass(frozen=True)
class StackMode:
    """Where ARM calls go: the local simulator (default) or real Azure."""

    real_azure: bool
    subscription_id: str

    @property
    def description(self) -> str:
        """One line saying which ARM the app talks to, shown at start."""
        if self.real_azure:
            return (
                f"REAL AZURE: clusters are created in subscription {self.subscription_id} "
                "through https://management.azure.com with DefaultAzureCredential"
            )
        return (
            "ARM simulator: nothing reaches Azure "
            f"({arm_simulator_base_url(ARM_SIMULATOR_PORT)}, subscription {self.subscription_id})"
        )


def stack_mode(environ: Mapping[str, str]) -> StackMode:
    """Read the real-Azure switch; real Azure needs the user's own subscription id."""
    real = environ.get(REAL_AZURE_FLAG, "").strip().lower() in {"1", "true", "yes"}
    subscription = environ.get("AZURE_SUBSCRIPTION_ID", "").strip()
    if real and not subscription:
        raise SystemExit(
            f"{REAL_AZURE_FLAG}=1 needs AZURE_SUBSCRIPTION_ID (and Azure credentials, "
            "e.g. `az login`); unset it to use the ARM simulator."
        )
    return StackMode(real_azure=real, subscription_id=subscription or SIMULATOR_SUBSCRIPTION_ID)


def required_ports(mode: StackMode) -> dict[int, str]:
    """Every fixed port this stack binds, with what binds it."""
    ports = {
        HOST_PORT: "local host",
        HOST_RPC_PORT: "local host durable RPC",
        AZURITE_BLOB_PORT: "Azurite blob",
        AZURITE_QUEUE_PORT: "Azurite queue",
        AZURITE_TABLE_PORT: "Azurite table",
    }
    if not mode.real_azure:
        ports[ARM_SIMULATOR_PORT] = "ARM simulator"
    return ports


def port_in_use(port: int) -> bool:
    """True when a listener already holds 127.0.0.1:port (a bind would fail)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: sockets lingering in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            return error.errno in {errno.EADDRINUSE, errno.EACCES}
    return False


def request_stop(signum: int, frame: FrameType | None) -> None:
    """Signal handler: unwind start-up or the watch loop the same way, from wherever it is."""
    raise StopRequested(signal.Signals(signum).name)


def busy_ports(ports: dict[int, str]) -> list[tuple[int, str]]:
    """The ports of this stack that something else already listens on."""
    return [(port, owner) for port, owner in sorted(ports.items()) if port_in_use(port)]


def start_azurite() -> ChildProcess:
    """Azurite with all three services on the default ports, data under .local-data."""
    AZURITE_DATA_DIR.mkdir(parents=True, exist_ok=True)
    args = [
        azurite_binary("azurite"),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(AZURITE_BLOB_PORT),
        "--queueHost",
        "127.0.0.1",
        "--queuePort",
        str(AZURITE_QUEUE_PORT),
        "--tableHost",
        "127.0.0.1",
        "--tablePort",
        str(AZURITE_TABLE_PORT),
        "--location",
        str(AZURITE_DATA_DIR),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]
    child = spawn(
        "azurite",
        args,
        AZURITE_TABLE_PORT,
        log_path=LOG_DIR / "azurite.log",
        stop_signal=signal.SIGINT,  # SIGTERM loses Azurite's last ~5 s of writes
    )
    try:
        for port in (AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT):
            wait_for_port(port, 30.0, child.proc)
    except BaseException:
        child.stop()
        raise
    return child


def host_environment(
    mode: StackMode, cert_path: Path | None, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """Settings for the function app; explicit values win over local.settings.json."""
    env = {
        "AzureWebJobsStorage": azurite_connection_string(AZURITE_TABLE_PORT),
        "AZURE_SUBSCRIPTION_ID": mode.subscription_id,
        "PROVISION_POLL_SECONDS": environ.get("PROVISION_POLL_SECONDS", "1"),
    }
    env.update({name: environ[name] for name in GUARDRAIL_SETTINGS if environ.get(name)})
    if mode.real_azure or cert_path is None:
        # Empty means "Azure": a local.settings.json copied from the sample must not
        # point real-Azure runs back at the simulator.
        env["ARM_ENDPOINT"] = ""
        env["ARM_CA_BUNDLE"] = ""
        env["RETAIL_PRICES_ENDPOINT"] = ""
    else:
        env["ARM_ENDPOINT"] = arm_simulator_base_url(ARM_SIMULATOR_PORT)
        env["ARM_CA_BUNDLE"] = str(cert_path)
        # The simulator also plays the public Retail Prices API (same port and certificate).
        env["RETAIL_PRICES_ENDPOINT"] = arm_simulator_base_url(ARM_SIMULATOR_PORT)
    return env


def start_host_in_terminal(env: dict[str, str]) -> ChildProcess:
    """The local host in its own process group, its log going straight to this terminal."""
    args = [
        sys.executable,
        "-m",
        "local.host",
        "--port",
        str(HOST_PORT),
        "--rpc-port",
        str(HOST_RPC_PORT),
    ]
    proc = subprocess.Popen(
        args,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    child = ChildProcess(name="local host", proc=proc, port=HOST_PORT)
    try:
        wait_for_port(HOST_PORT, 120.0, proc)
    except BaseException:
        child.stop()
        raise
    return child


def log_location(name: str) -> str:
    """Where to look when a child fails."""
    files = {
        "azurite": LOG_DIR / "azurite.log",
        "arm-simulator": LOG_DIR / "arm-simulator.log",
    }
    path = files.get(name)
    if path is None:
        return "the output above"
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


def announce(mode: StackMode) -> None:
    """Tell the user where the dashboard is and how to drive it."""
    lines = [
        f"Dashboard: {DASHBOARD_URL}   (API under {DASHBOARD_URL}api/)",
        f"Mode: {mode.description}",
        f"Sign in as another dev user: {DASHBOARD_URL}.auth/login/dev?user=alice "
        f"(who am I: {DASHBOARD_URL}.auth/me)",
    ]
    if not mode.real_azure:
        lines.append(
            "Simulator scenarios by cluster-name prefix: quota- nosku- denied- fail- slow- "
            "flaky- failonce- (anything else succeeds); resource group missing-rg -> 404"
        )
    lines += [
        f"Logs: {'Azurite' if mode.real_azure else 'Azurite and ARM simulator'} in "
        f"{LOG_DIR.relative_to(PROJECT_ROOT)}/, the host's below.",
        "Press Ctrl-C to stop everything.",
    ]
    for line in lines:
        logger.info("%s", line)


def watch(children: list[ChildProcess]) -> ChildProcess:
    """Wait until a child exits and return it (a stop request raises StopRequested)."""
    while True:
        for child in children:
            if child.proc.poll() is not None:
                return child
        time.sleep(WATCH_INTERVAL_SECONDS)


def stop_all(children: list[ChildProcess]) -> None:
    """Stop children newest first, so the host never outlives its storage."""
    for child in reversed(children):
        try:
            child.stop()
        except (OSError, subprocess.SubprocessError) as error:
            logger.warning("could not stop %s (pid %d): %s", child.name, child.proc.pid, error)


def run_stack() -> int:
    """Start everything, wait for Ctrl-C or a dead child, stop everything; the exit code."""
    mode = stack_mode(os.environ)
    busy = busy_ports(required_ports(mode))
    if busy:
        for port, owner in busy:
            logger.error("port %d (%s) is already in use on 127.0.0.1", port, owner)
        logger.error(
            "Another local stack (`make run`) or another program is running. Stop it with "
            "Ctrl-C in its terminal (find it with `ss -ltnp 'sport = :%d'`) and run again.",
            busy[0][0],
        )
        return 1

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    children: list[ChildProcess] = []
    starting = "azurite"
    try:
        logger.info(
            "starting Azurite (blob %d, queue %d, table %d)",
            AZURITE_BLOB_PORT,
            AZURITE_QUEUE_PORT,
            AZURITE_TABLE_PORT,
        )
        children.append(start_azurite())
        cert: Path | None = None
        if not mode.real_azure:
            starting = "arm-simulator"
            logger.info("starting the ARM simulator on port %d", ARM_SIMULATOR_PORT)
            children.append(
                start_arm_simulator(
                    ARM_SIMULATOR_DATA_DIR,
                    ARM_SIMULATOR_PORT,
                    log_path=LOG_DIR / "arm-simulator.log",
                )
            )
            cert = certificate_path(ARM_SIMULATOR_DATA_DIR.resolve())
        starting = "local host"
        logger.info("starting the local host on port %d", HOST_PORT)
        children.append(start_host_in_terminal(host_environment(mode, cert)))
        announce(mode)
        dead = watch(children)
        logger.error(
            "%s exited with code %s; stopping the stack. See %s.",
            dead.name,
            dead.proc.returncode,
            log_location(dead.name),
        )
        return 1
    except StopRequested as signal_name:
        logger.info("%s received: stopping the local stack", signal_name)
        return 0
    except (RuntimeError, TimeoutError, FileNotFoundError) as error:
        logger.error("%s failed to start: %s. See %s.", starting, error, log_location(starting))
        return 1
    finally:
        # A second Ctrl-C must not interrupt the clean-up that stops the children.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stop_all(children)
        logger.info("local stack stopped")
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> None:
    """Log to stderr with a prefix that tells the launcher's lines from the host's."""
    logging.basicConfig(level=logging.INFO, format="[stack] %(message)s")
    sys.exit(run_stack())


if __name__ == "__main__":
    main()
