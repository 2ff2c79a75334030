"""A local host running a test function app, driven over the management URLs it hands out."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from local.processes import ChildProcess, free_port, start_local_host

SAMPLES_APP = "tests.durable_samples_app.function_app"
FINISHED = {"Completed", "Failed", "Terminated", "Canceled"}


@dataclass
class SampleHost:
    """A running host: its app port (api + webhooks) and its RPC port."""

    process: ChildProcess
    port: int
    rpc_port: int
    marker_dir: Path

    @property
    def base_url(self) -> str:
        """The app's origin."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhooks(self) -> str:
        """Where the extension serves its HTTP API on the app's port."""
        return f"{self.base_url}/runtime/webhooks/durabletask"

    @property
    def rpc(self) -> str:
        """The local RPC listener's root (rpcBaseUrl)."""
        return f"http://127.0.0.1:{self.rpc_port}/durabletask"

    def start(self, name: str, body: Any = None) -> dict[str, str]:
        """POST the sample starter as its README does; the management payload."""
        response = requests.post(f"{self.base_url}/api/orchestrators/{name}", json=body, timeout=30)
        assert response.status_code == 202, response.text
        return response.json()

    def wait(
        self,
        status_url: str,
        done: Callable[[dict[str, Any]], bool] = lambda s: s["runtimeStatus"] in FINISHED,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """Poll a statusQueryGetUri until the predicate holds."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            last = requests.get(status_url, timeout=30).json()
            if done(last):
                return last
            time.sleep(0.1)
        raise AssertionError(f"not reached within {timeout} s: {last}")


def launch_samples_host(azurite: str, marker_dir: Path, hub_name: str | None = None) -> SampleHost:
    """Start the local host on free ports with the samples app (a fresh task hub by default)."""
    port, rpc_port = free_port(), free_port()
    env = {"AzureWebJobsStorage": azurite, "TEST_APP_MARKER_DIR": str(marker_dir)}
    process = start_local_host(
        port,
        rpc_port,
        env,
        app=SAMPLES_APP,
        log_path=marker_dir / "host.log",
        hub_name=hub_name or "Samples" + uuid.uuid4().hex[:8],
    )
    return SampleHost(process, port, rpc_port, marker_dir)
