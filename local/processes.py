"""Start and stop the local stack's child processes (Azurite, simulator, host)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def free_port() -> int:
    """Ask the OS for a free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Block until the port accepts connections; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        if port_open(port):
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not open within {timeout} s")


def azurite_connection_string(table_port: int) -> str:
    """Connection string for an Azurite Table endpoint on loopback."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"TableEndpoint=http://127.0.0.1:{table_port}/{AZURITE_ACCOUNT};"
    )


def azurite_binary(name: str = "azurite-table") -> str:
    """Path of the project's pinned Azurite (npm ci puts it in node_modules)."""
    path = PROJECT_ROOT / "node_modules" / ".bin" / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} not found: run `npm ci` in {PROJECT_ROOT}")


@dataclass
class ChildProcess:
    """A started child process with the port it serves on."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    # Azurite flushes its data files on SIGINT only; SIGTERM loses the last seconds of writes.
    stop_signal: signal.Signals = signal.SIGTERM

    def stop(self, timeout: float = 10.0) -> None:
        """Signal the process group to stop, killing it if it lingers."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, self.stop_signal)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the whole process group (crash simulation)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def spawn(
    name: str,
    args: list[str],
    port: int,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    timeout: float = 60.0,
    stop_signal: signal.Signals = signal.SIGTERM,
) -> ChildProcess:
    """Start a child in its own process group and wait for its port."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        args,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    child = ChildProcess(name=name, proc=proc, port=port, stop_signal=stop_signal)
    try:
        wait_for_port(port, timeout, proc)
    except BaseException:
        child.stop()
        raise
    logger.info("%s listening on 127.0.0.1:%d (pid %d)", name, port, proc.pid)
    return child


def start_azurite_table(data_dir: Path, port: int, log_path: Path | None = None) -> ChildProcess:
    """Start Azurite's Table service only, persisting to data_dir."""
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        azurite_binary("azurite-table"),
        "--tableHost",
        "127.0.0.1",
        "--tablePort",
        str(port),
        "--location",
        str(data_dir),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]
    return spawn("azurite", args, port, log_path=log_path, stop_signal=signal.SIGINT)


def start_local_host(
    port: int,
    rpc_port: int,
    env: dict[str, str],
    app: str = "function_app",
    log_path: Path | None = None,
    hub_name: str | None = None,
    extra_args: list[str] | None = None,
) -> ChildProcess:
    """Start the local Functions host (the same code path `make run` uses)."""
    import sys

    args = [
        sys.executable,
        "-m",
        "local.host",
        "--port",
        str(port),
        "--rpc-port",
        str(rpc_port),
        "--app",
        app,
        "--settings",
        "/nonexistent/local.settings.json",
    ]
    if hub_name:
        args += ["--hub-name", hub_name]
    args += extra_args or []
    return spawn("local host", args, port, env=env, log_path=log_path, timeout=60)
