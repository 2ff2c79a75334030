"""The `make run` launcher: mode switch, settings it hands the host, refusal when ports are busy.

Hermetic: the port checks run against ports this test holds itself (never the stack's fixed
ones, which a running `make run` may hold), and every function that would start a real
child is replaced, so a check that wrongly finds nothing busy fails at once instead of
starting a stack.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import stack
from local.processes import azurite_connection_string, free_port

STARTERS = ("start_azurite", "start_arm_simulator", "start_host_in_terminal")


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
    assert env["AzureWebJobsStorage"] == azurite_connection_string(stack.AZURITE_TABLE_PORT)


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port of this test's own, held by a listener as another stack would hold one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Starting any real child fails the test at once; logs go to tmp_path, not the stack's data."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the launcher tried to start a real child in a unit test")

    for name in STARTERS:
        monkeypatch.setattr(stack, name, refuse)
    monkeypatch.setattr(stack, "LOG_DIR", tmp_path / "logs")
    monkeypatch.delenv("USE_REAL_AZURE", raising=False)


def test_a_held_port_is_in_use_and_a_free_one_is_not(held_port: int) -> None:
    assert stack.port_in_use(held_port) is True
    assert stack.port_in_use(free_port()) is False


def test_busy_port_is_reported_by_name(held_port: int) -> None:
    ports = {held_port: "local host durable RPC", free_port(): "Azurite table"}
    assert stack.busy_ports(ports) == [(held_port, "local host durable RPC")]


def test_second_stack_refuses_before_starting_anything(
    held_port: int,
    nothing_starts: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports = {free_port(): "local host", held_port: "local host durable RPC"}
    monkeypatch.setattr(stack, "required_ports", lambda mode: ports)
    with caplog.at_level(logging.ERROR):
        assert stack.run_stack() == 1
    assert f"port {held_port} (local host durable RPC) is already in use" in caplog.text
    assert "make run" in caplog.text


def test_with_every_port_free_the_stack_starts_azurite_first_and_reports_its_failure(
    nothing_starts: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def azurite_missing() -> None:
        raise FileNotFoundError("azurite not found: run `npm ci`")

    monkeypatch.setattr(stack, "required_ports", lambda mode: {free_port(): "local host"})
    monkeypatch.setattr(stack, "start_azurite", azurite_missing)
    with caplog.at_level(logging.ERROR):
        assert stack.run_stack() == 1
    assert "azurite failed to start: azurite not found" in caplog.text


def test_the_stack_stops_azurite_with_sigint_so_its_last_writes_are_flushed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spawned: dict[str, object] = {}

    def fake_spawn(name: str, args: list[str], port: int, **kwargs: object) -> object:
        spawned.update(kwargs)
        raise RuntimeError("not started in a unit test")

    monkeypatch.setattr(stack, "AZURITE_DATA_DIR", tmp_path)
    monkeypatch.setattr(stack, "LOG_DIR", tmp_path / "logs")
    monkeypatch.setattr(stack, "spawn", fake_spawn)
    # Never run: the unit test needs no Azurite installed.
    monkeypatch.setattr(stack, "azurite_binary", lambda name: f"/not-run/{name}")
    with pytest.raises(RuntimeError):
        stack.start_azurite()
    assert spawned["stop_signal"] == signal.SIGINT
