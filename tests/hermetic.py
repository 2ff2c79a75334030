"""The suite is hermetic (README "Tests"): no test binds or dials the `make run` stack's ports.

A running `make run` (or another engineer's) holds those fixed ports, so a test that touched
them would either fail for a reason of its own making or talk to somebody else's stack. Every
socket this test process binds or connects is checked; the children the fixtures start get
free ports explicitly (tests/conftest.py, tests/stack_fixtures.py).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local import stack

FIXED_PORTS = frozenset(stack.required_ports(stack.stack_mode({})))


class FixedPortUsed(RuntimeError):
    """A test reached for one of the stack's fixed ports (not an OSError: nothing swallows it)."""


class FixedPortGuard:
    """Wraps socket bind/connect so a fixed port raises FixedPortUsed; remembers each attempt."""

    def __init__(self, ports: frozenset[int]) -> None:
        self.ports = ports
        self.attempts: list[str] = []
        self._originals: dict[str, Callable[..., Any]] = {}

    def check(self, operation: str, address: Any) -> None:
        """Refuse an IP address whose port is fixed (Unix sockets and others pass)."""
        if isinstance(address, tuple) and len(address) >= 2 and address[1] in self.ports:
            attempt = f"{operation} {address[0]}:{address[1]}"
            self.attempts.append(attempt)
            raise FixedPortUsed(f"{attempt}: a port of the `make run` stack (tests use free ports)")

    def install(self) -> None:
        """Wrap socket.socket's bind, connect and connect_ex in this process."""
        for name in ("bind", "connect", "connect_ex"):
            original = getattr(socket.socket, name)
            self._originals[name] = original
            setattr(socket.socket, name, self._wrap(name, original))

    def uninstall(self) -> None:
        """Put the socket methods back."""
        for name, original in self._originals.items():
            setattr(socket.socket, name, original)
        self._originals.clear()

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(sock: socket.socket, address: Any) -> Any:
            self.check(name, address)
            return original(sock, address)

        guarded.__name__ = name
        return guarded


GUARD = FixedPortGuard(FIXED_PORTS)


@pytest.fixture(scope="session", autouse=True)
def no_fixed_ports() -> Iterator[FixedPortGuard]:
    """For the whole session; fails at the end if any attempt was swallowed along the way."""
    GUARD.install()
    try:
        yield GUARD
    finally:
        GUARD.uninstall()
    assert not GUARD.attempts, f"tests reached for the stack's fixed ports: {GUARD.attempts}"
