"""Measured figures for docs/reliability.md: printed on the terminal and logged, never asserted."""

from __future__ import annotations

import logging

import pytest

logger = logging.getLogger(__name__)


def report_figure(request: pytest.FixtureRequest, line: str, prefix: str = "") -> None:
    """Write one result line to the terminal (pytest's reporter, past capture) and the log."""
    logger.warning("%s", line)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(f"{prefix}{line}")
