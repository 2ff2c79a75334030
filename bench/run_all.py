"""`make bench`: run every benchmark in one go and regenerate results.json and the docs page.

`python -m bench.run_all [--only cold_start,recent_failures,local_host,dashboard,timer_chain]`
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    clusters,
    cold_start,
    dashboard,
    guardrails,
    idle_polling,
    local_host,
    local_stack,
    pools,
    preflight,
    recent_failures,
    report,
    timer_chain,
)

logger = logging.getLogger("bench.run_all")

BENCHMARKS = (
    "cold_start",
    "recent_failures",
    "local_host",
    "dashboard",
    "timer_chain",
    "preflight",
    "clusters",
    "pools",
    "idle_polling",
    "guardrails",
)


def machine_summary() -> dict[str, Any]:
    """What the figures were measured on (they only compare within one run)."""
    chromium = "?"
    if dashboard.CHROMIUM_PATH.exists():
        completed = subprocess.run(
            [str(dashboard.CHROMIUM_PATH), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        chromium = completed.stdout.strip() or "?"
    cpus = os.cpu_count() or 0
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": cpus,
        "chromium": chromium,
        "summary": f"{platform.system()} {platform.machine()}, {cpus} CPUs, "
        f"Python {platform.python_version()}, {chromium}",
    }


def _attempt(
    results: dict[str, Any], errors: dict[str, str], name: str, measure: Callable[[], Any]
) -> None:
    """Run one benchmark; a crash is recorded (and fails the run) without losing the others."""
    try:
        results[name] = measure()
    except Exception as problem:  # any failure of one benchmark is reported, not raised
        logger.exception("benchmark %s failed", name)
        results.pop(name, None)
        errors[name] = f"{type(problem).__name__}: {problem}"


def run(selected: tuple[str, ...], repetitions: int) -> dict[str, Any]:
    """Run the selected benchmarks (stack started once, on free ports) and write the report."""
    results = report.load_results() if set(selected) != set(BENCHMARKS) else {}
    errors: dict[str, str] = {}
    started = time.perf_counter()
    # Cold start first, while nothing else runs on the machine.
    if "cold_start" in selected:
        _attempt(results, errors, "cold_start", lambda: cold_start.run(max(repetitions, 11)))
    needs_azurite = {
        "recent_failures",
        "local_host",
        "dashboard",
        "timer_chain",
        "preflight",
        "clusters",
        "pools",
        "idle_polling",
        "guardrails",
    } & set(selected)
    with tempfile.TemporaryDirectory(prefix="bench-") as temp, ExitStack() as stack:
        work_dir = Path(temp)
        if needs_azurite:
            connection_string = stack.enter_context(local_stack.azurite(work_dir))
            if "recent_failures" in selected:
                _attempt(
                    results,
                    errors,
                    "recent_failures",
                    lambda: recent_failures.run(connection_string, repetitions=repetitions),
                )
            if "timer_chain" in selected:
                _attempt(
                    results,
                    errors,
                    "timer_chain",
                    lambda: timer_chain.run(connection_string, work_dir),
                )
            if "guardrails" in selected:  # a host of its own: minutes of a second
                _attempt(
                    results,
                    errors,
                    "guardrails",
                    lambda: guardrails.run(work_dir, connection_string),
                )
            if {
                "local_host",
                "dashboard",
                "preflight",
                "clusters",
                "pools",
                "idle_polling",
            } & set(selected):
                host = stack.enter_context(local_stack.function_host(work_dir, connection_string))
                if "local_host" in selected:
                    _attempt(results, errors, "local_host", lambda: local_host.run(host))
                if "preflight" in selected:
                    _attempt(
                        results,
                        errors,
                        "preflight",
                        lambda: preflight.run(host, repetitions=repetitions),
                    )
                if "clusters" in selected:
                    _attempt(
                        results,
                        errors,
                        "clusters",
                        lambda: clusters.run(host, repetitions=repetitions),
                    )
                if "pools" in selected:
                    _attempt(
                        results,
                        errors,
                        "pools",
                        lambda: pools.run(host, repetitions=repetitions),
                    )
                if "idle_polling" in selected:
                    _attempt(results, errors, "idle_polling", lambda: idle_polling.run(host))
                if "dashboard" in selected:
                    _attempt(
                        results,
                        errors,
                        "dashboard",
                        lambda: dashboard.run(host, repetitions=max(repetitions, 11)),
                    )
    results["errors"] = errors
    results["generated_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["machine"] = machine_summary()
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["benchmarks_in_last_run"] = list(selected)
    return report.write_results(results)


def main() -> None:
    """Parse the options, run, exit 0 (budget misses are reported, not raised)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {BENCHMARKS}"
    )
    parser.add_argument("--repetitions", type=int, default=7, help="timed runs per figure (≥ 7)")
    args = parser.parse_args()
    selected = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(selected) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if args.repetitions < 7:
        parser.error("--repetitions must be at least 7 (medians of fewer are noise)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    logging.getLogger("azure").setLevel(logging.WARNING)
    results = run(selected, args.repetitions)
    if results.get("errors"):
        raise SystemExit(f"benchmarks failed: {', '.join(sorted(results['errors']))}")


if __name__ == "__main__":
    main()
