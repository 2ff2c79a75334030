"""Measured figures for docs/reliability.md: printed at the end of the run, never asserted.

A figure rides on its test's report (user_properties), so it reaches the terminal whether the
test ran in this process or in a pytest-xdist worker; the summary prints each kind under its
own heading, in the order the tests finished.
"""

from __future__ import annotations

import logging

import pytest

logger = logging.getLogger(__name__)

FIGURE = "measured_figure"
DASHBOARD_TIMING = "dashboard_timing"
HEADINGS = {
    FIGURE: "measured figures (printed, never asserted)",
    DASHBOARD_TIMING: "dashboard timings (measured, not asserted)",
}
_collected: dict[str, list[str]] = {kind: [] for kind in HEADINGS}


def report_figure(request: pytest.FixtureRequest, line: str, prefix: str = "") -> None:
    """Keep one result line for the end-of-run summary, and log it."""
    logger.warning("%s", line)
    request.node.user_properties.append((FIGURE, f"{prefix}{line}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the figures of a finished test (its teardown report carries them all)."""
    if report.when != "teardown":
        return
    for kind, value in report.user_properties:
        if kind in _collected:
            _collected[kind].append(str(value))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One section per kind of figure that this run measured."""
    if hasattr(terminalreporter.config, "workerinput"):
        return  # an xdist worker: its reports went to the controller, which prints them
    for kind, heading in HEADINGS.items():
        if _collected[kind]:
            terminalreporter.section(heading)
            for line in _collected[kind]:
                terminalreporter.write_line(line)
