"""The `make run` launcher: mode switch, settings it hands the host, refusal when ports are busy."""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import stack


def test_simulator_is_the_default_mode_with_the_simulator_subscription() -> None:
    mode = stack.stack_mode({})
    assert mode.real_azure is False
    assert mode.subscription_id == stack.SIMULATOR_SUBSCRIPTION_ID
    assert stack.ARM_SIMULATOR_PORT in stack.required_ports(mode)


def test_real_azure_needs_a_subscription_id() -> None:
    with pytest.raises(SystemExit, match="AZURE_SUBSCRIPTION_ID"):
        stack.stack_mode({"USE_REAL_AZURE": "1"})


def test_real_azure_skips_the_simulator_and_clears_its_endpoint() -> None:
    mode = stack.stack_mode({"USE_REAL_AZURE": "true", "AZURE_SUBSCRIPTION_ID": "sub-1"})
    assert mode.real_azure is True
    assert stack.ARM_SIMULATOR_PORT not in stack.required_ports(mode)
    env = stack.host_environment(mode, None)
    assert env["ARM_ENDPOINT"] == "" and env["ARM_CA_BUNDLE"] == ""
    assert env["AZURE_SUBSCRIPTION_ID"] == "sub-1"


def test_simulator_mode_points_the_app_at_the_simulator_and_its_certificate() -> None:
    env = stack.host_environment(stack.stack_mode({}), Path("/data/cert.pem"))
    assert env["ARM_ENDPOINT"] == f"https://127.0.0.1:{stack.ARM_SIMULATOR_PORT}"
    assert env["ARM_CA_BUNDLE"] == "/data/cert.pem"
    assert "10002" in env["AzureWebJobsStorage"]


@pytest.fixture
def occupied_rpc_port() -> Iterator[None]:
    """Hold the local host's RPC port as another stack would (it may already be held)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", stack.HOST_RPC_PORT))
        listener.listen()
    except OSError:
        pass  # something else holds it already: the port is busy either way
    yield
    listener.close()


def test_busy_port_is_reported_by_name(occupied_rpc_port: None) -> None:
    busy = stack.busy_ports(stack.required_ports(stack.stack_mode({})))
    assert (stack.HOST_RPC_PORT, "local host durable RPC") in busy


def test_second_stack_refuses_before_starting_anything(
    occupied_rpc_port: None, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("USE_REAL_AZURE", raising=False)
    with caplog.at_level(logging.ERROR):
        assert stack.run_stack() == 1
    assert f"port {stack.HOST_RPC_PORT}" in caplog.text
    assert "make run" in caplog.text


def test_the_stack_stops_azurite_with_sigint_so_its_last_writes_are_flushed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spawned: dict[str, object] = {}

    def fake_spawn(name: str, args: list[str], port: int, **kwargs: object) -> object:
        spawned.update(kwargs)
        raise RuntimeError("not started in a unit test")

    monkeypatch.setattr(stack, "AZURITE_DATA_DIR", tmp_path)
    monkeypatch.setattr(stack, "spawn", fake_spawn)
    with pytest.raises(RuntimeError):
        stack.start_azurite()
    assert spawned["stop_signal"] == signal.SIGINT
