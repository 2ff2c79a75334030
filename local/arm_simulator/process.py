"""Start the ARM simulator as a child process, the same way for `make run` and for tests."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from local.arm_simulator.certificate import certificate_path
from local.processes import ChildProcess, spawn

__all__ = ["certificate_path", "start_arm_simulator", "arm_simulator_base_url"]


def arm_simulator_base_url(port: int) -> str:
    """The ARM endpoint clients pass as base_url."""
    return f"https://127.0.0.1:{port}"


def start_arm_simulator(
    data_dir: Path,
    port: int,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> ChildProcess:
    """Spawn `python -m local.arm_simulator` and wait until it listens with its certificate."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "local.arm_simulator",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    child = spawn("arm-simulator", args, port, env=env, log_path=log_path, timeout=timeout)
    cert = certificate_path(data_dir)
    deadline = time.monotonic() + timeout
    while not cert.exists():
        if time.monotonic() > deadline or child.proc.poll() is not None:
            child.stop()
            raise RuntimeError(f"ARM simulator on port {port} did not write {cert}")
        time.sleep(0.05)
    return child
