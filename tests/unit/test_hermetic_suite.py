"""The suite never uses the `make run` stack's fixed ports or its `.local-data` (README "Tests")."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from local import stack
from tests.hermetic import FIXED_PORTS, FixedPortGuard, FixedPortUsed

TESTS = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve()
PORTS = "|".join(str(port) for port in sorted(FIXED_PORTS))
# Ways a test would reach a fixed port or the stack's data: an address tuple, a URL handed to
# a client, a port argument, the stack's own port and data constants, the data folder itself,
# and the storage shortcut that means Azurite on its fixed ports.
FORBIDDEN = {
    "address on a fixed port": (
        rf"\(\s*[\"'](?:127\.0\.0\.1|localhost|0\.0\.0\.0)[\"']\s*,\s*(?:{PORTS})\s*\)"
    ),
    "client call to a fixed port": (
        rf"\.(?:get|post|put|patch|delete|request|goto|urlopen)\(\s*f?[\"']"
        rf"https?://(?:127\.0\.0\.1|localhost):(?:{PORTS})\b"
    ),
    "fixed port argument": rf"\b(?:port|rpc_port)\s*=\s*(?:{PORTS})\b",
    "the stack's fixed ports or data": (
        r"\bstack\.(?:HOST_PORT|HOST_RPC_PORT|AZURITE_\w+_PORT|ARM_SIMULATOR_PORT|DASHBOARD_URL"
        r"|DATA_DIR|LOG_DIR|AZURITE_DATA_DIR|ARM_SIMULATOR_DATA_DIR)\b"
    ),
    "the .local-data folder": r"\.local-data",
    "the development storage shortcut (Azurite's fixed ports)": r"UseDevelopmentStorage",
}
# Checking the launcher's port table needs its constants; it never binds them (test_stack.py).
ALLOWED = {("the stack's fixed ports or data", "test_stack.py")}


def test_the_fixed_ports_are_the_ones_make_run_binds() -> None:
    assert FIXED_PORTS == {
        stack.HOST_PORT,
        stack.HOST_RPC_PORT,
        stack.AZURITE_BLOB_PORT,
        stack.AZURITE_QUEUE_PORT,
        stack.AZURITE_TABLE_PORT,
        stack.ARM_SIMULATOR_PORT,
    }


def test_no_test_source_reaches_for_a_fixed_port_or_the_stack_data() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.resolve() == THIS_FILE:
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN.items():
            if (what, path.name) in ALLOWED:
                continue
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TESTS)}:{line}: {what}: {match.group(0)!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'sock.bind(("127.0.0.1", 7071))',
        'requests.get("http://127.0.0.1:10002/devstoreaccount1")',
        "start_local_host(port=7071, rpc_port=port)",
        "stack.AZURITE_TABLE_PORT",
        "Path('.local-data') / 'azurite'",
        'monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")',
    ],
)
def test_the_source_check_would_catch_each_way(source: str) -> None:
    assert any(re.search(pattern, source) for pattern in FORBIDDEN.values())


def test_an_origin_header_naming_the_dev_url_is_not_a_use_of_the_port() -> None:
    source = 'headers = {"Origin": "http://127.0.0.1:7071"}'
    assert not any(re.search(pattern, source) for pattern in FORBIDDEN.values())


@pytest.mark.parametrize("operation", ["bind", "connect", "connect_ex"])
def test_the_session_guard_refuses_a_fixed_port_before_the_os_sees_it(
    operation: str, no_fixed_ports: FixedPortGuard
) -> None:
    before = len(no_fixed_ports.attempts)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(FixedPortUsed, match=f"{stack.HOST_PORT}"):
            getattr(sock, operation)(("127.0.0.1", stack.HOST_PORT))
    # This test's own attempt is expected; the session fixture fails on any other.
    assert no_fixed_ports.attempts[before:] == [f"{operation} 127.0.0.1:{stack.HOST_PORT}"]
    del no_fixed_ports.attempts[before:]


def test_the_guard_lets_free_ports_through() -> None:
    guard = FixedPortGuard(frozenset({stack.HOST_PORT}))
    guard.install()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            assert sock.getsockname()[1] != stack.HOST_PORT
    finally:
        guard.uninstall()
    assert guard.attempts == []
