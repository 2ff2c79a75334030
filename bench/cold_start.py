"""Cold start: importing function_app vs the floor every Durable app pays, in fresh processes.

Each sample is a new `python -c` with an empty environment (PATH only), timing the import
with time.perf_counter() inside the child. Two modes run interleaved in the same rounds:

- `bytecode`: the working tree, whose `__pycache__` the warm-up round fills (a dev machine).
- `no_bytecode`: a copy of the deployed files without `__pycache__`, run with
  PYTHONDONTWRITEBYTECODE=1, so every module of ours is compiled from source on every start.
  That is Flex Consumption: the package runs from a read-only mount and cannot cache
  bytecode, while the installed SDKs (pip compiled them at build time) keep theirs.

Rounds alternate their order (forward, then reversed) so the machine's drift hits every
subject alike; ratios are medians, also of per-round pairs.

Side by side, `opentelemetry`: what the Functions worker adds at start-up when it exports logs
with azure-monitor-opentelemetry (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY): importing the
distro after the floor, and configuring it, against the same budget ratio. The app never
imports it, so `function_app`'s own ratio is unchanged; this is what the worker pays instead.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from bench.percentiles import median, summary_ms
from local.processes import PROJECT_ROOT

logger = logging.getLogger(__name__)

FLOOR_MODULES = ("azure.functions", "azure.durable_functions")
RUNTIME_SDKS = ("azure.data.tables", "azure.identity", "azure.mgmt.containerservice")
# Modules the app must not load at import (the budget holds only when they load lazily).
LAZY_MODULES = RUNTIME_SDKS + ("azure.core.pipeline.transport._requests_basic", "requests")
OUR_PACKAGES = ("function_app", "api", "orchestrators", "activities", "provisioning")
MIN_ROUNDS = 21
COLD_START_BUDGET = 1.15  # docs/benchmarks.md: function_app ≤ 1.15 × the floor
OTEL_DISTRO = "azure.monitor.opentelemetry"
OTEL_ROUNDS = 11
# An ingestion endpoint nothing listens on: configuring needs no network.
OTEL_CONNECTION_STRING = (
    "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=http://127.0.0.1:9/"
)
# The floor untimed (the worker has it loaded), then what the worker does with telemetry on.
OTEL_CHILD_SCRIPT = """
import json, os, sys, time
import azure.functions, azure.durable_functions
started = time.perf_counter()
from azure.monitor.opentelemetry import configure_azure_monitor
imported = time.perf_counter()
configure_azure_monitor(connection_string=sys.argv[1], logger_name="provisioning",
                        enable_live_metrics=False, disable_offline_storage=True)
done = time.perf_counter()
print(json.dumps({"import_ms": (imported - started) * 1000,
                  "configure_ms": (done - imported) * 1000}))
sys.stdout.flush()
os._exit(0)  # no flush to the unreachable endpoint at exit
"""
CHILD_SCRIPT = """
import importlib, json, sys, time
names = sys.argv[1:]
started = time.perf_counter()
for name in names:
    importlib.import_module(name)
elapsed = time.perf_counter() - started
print(json.dumps({"ms": elapsed * 1000, "modules": sorted(sys.modules)}))
"""


@dataclass(frozen=True)
class Mode:
    """Where a child runs and whether it may use cached bytecode of our modules."""

    name: str
    cwd: Path
    bytecode: bool

    def env(self) -> dict[str, str]:
        """PATH only (nothing the app imports may need a setting), plus the bytecode switch."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if "PYTHONPATH" in os.environ:  # packages installed beside the venv reach every child
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        if not self.bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env


@dataclass(frozen=True)
class Subject:
    """One timed import: which modules, in which mode."""

    key: str
    mode: Mode
    modules: tuple[str, ...]


def deployed_entries(root: Path = PROJECT_ROOT) -> list[Path]:
    """Top-level Python files and packages that `.funcignore` lets into the package."""
    ignored = [
        line.strip().rstrip("/")
        for line in (root / ".funcignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return sorted(
        entry
        for entry in root.iterdir()
        if (entry.suffix == ".py" or (entry / "__init__.py").is_file())
        and not any(fnmatch.fnmatch(entry.name, pattern) for pattern in ignored)
    )


def copy_deployment(target: Path) -> Path:
    """The deployed files under `target`, with no bytecode (as the read-only mount has them)."""
    for entry in deployed_entries():
        if entry.is_dir():
            shutil.copytree(
                entry, target / entry.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(entry, target / entry.name)
    return target


def import_once(subject: Subject) -> tuple[float, set[str]]:
    """Milliseconds to import the subject's modules in a fresh interpreter, and what loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, *subject.modules],
        cwd=subject.mode.cwd,
        env=subject.mode.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"importing {subject.modules} ({subject.mode.name}) failed with an empty env:\n"
            f"{completed.stderr}"
        )
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    return float(answer["ms"]), set(answer["modules"])


def _importtime_rows(mode: Mode) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, indented name) of every module `import function_app` loads."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import function_app"],
        cwd=mode.cwd,
        env=mode.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(own), int(cumulative), name))
    return rows


def app_import_breakdown(mode: Mode) -> dict[str, float]:
    """-X importtime of function_app: cumulative ms of what it adds on top of the floor."""
    added: dict[str, float] = {}
    for _, cumulative, name in _importtime_rows(mode):
        # Direct children of function_app are indented by exactly three spaces.
        if name.startswith("   ") and not name.startswith("    "):
            module = name.strip()
            if module.split(".")[0] in OUR_PACKAGES:
                added[module] = round(cumulative / 1000, 1)
    return added


def own_module_costs(mode: Mode, top: int = 12) -> dict[str, float]:
    """Our costliest modules by self time (ms; compile + run of the module body), one sample."""
    ours = [
        (own, name.strip())
        for own, _, name in _importtime_rows(mode)
        if name.strip().split(".")[0] in OUR_PACKAGES
    ]
    return {name: round(own / 1000, 1) for own, name in sorted(ours, reverse=True)[:top]}


def _ratios(samples: dict[str, list[float]], app: str, floor: str) -> dict[str, float]:
    """Ratio of medians and median of per-round ratios (each app sample over its round's floor)."""
    paired = [a / f for a, f in zip(samples[app], samples[floor], strict=True)]
    return {
        "ratio_to_floor": round(median(samples[app]) / median(samples[floor]), 3),
        "ratio_to_floor_paired_median": round(median(paired), 3),
    }


def measure(subjects: list[Subject], rounds: int) -> tuple[dict[str, list[float]], set[str]]:
    """Samples per subject over `rounds` interleaved rounds, and the modules the app loaded."""
    samples: dict[str, list[float]] = {subject.key: [] for subject in subjects}
    app_modules: set[str] = set()
    for subject in subjects:  # warm the file cache (and the working tree's bytecode); not counted
        import_once(subject)
    for round_index in range(rounds):
        ordered = subjects if round_index % 2 == 0 else subjects[::-1]
        for subject in ordered:
            elapsed, loaded = import_once(subject)
            samples[subject.key].append(elapsed)
            if subject.key == "function_app":
                app_modules = loaded
    return samples, app_modules


def run(processes: int = MIN_ROUNDS) -> dict[str, Any]:
    """Median import cost of each subject, with and without bytecode, in one interleaved run."""
    rounds = max(processes, MIN_ROUNDS)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as temp:
        cached = Mode("bytecode", PROJECT_ROOT, bytecode=True)
        uncached = Mode("no_bytecode", copy_deployment(Path(temp)), bytecode=False)
        subjects = [
            Subject("floor", cached, FLOOR_MODULES),
            Subject("function_app", cached, ("function_app",)),
            Subject("all_sdks", cached, FLOOR_MODULES + RUNTIME_SDKS),
            Subject("no_bytecode_floor", uncached, FLOOR_MODULES),
            Subject("no_bytecode_function_app", uncached, ("function_app",)),
        ]
        samples, app_modules = measure(subjects, rounds)
        leaked = sorted(str(p) for p in uncached.cwd.rglob("__pycache__"))
        if leaked:
            raise RuntimeError(f"the no-bytecode copy gained bytecode: {leaked}")
        figures = _figures(samples, app_modules, rounds)
        figures["app_packages_importtime_ms"] = app_import_breakdown(cached)
        figures["no_bytecode"]["own_modules_self_ms"] = own_module_costs(uncached)
    figures["opentelemetry"] = measure_opentelemetry(
        Subject("floor", cached, FLOOR_MODULES), OTEL_ROUNDS
    )
    _log(figures)
    return figures


def distro_installed() -> bool:
    """Whether azure-monitor-opentelemetry can be imported here (requirements.txt pins it)."""
    try:
        return find_spec(OTEL_DISTRO) is not None
    except ModuleNotFoundError:
        return False


def configure_once(mode: Mode) -> tuple[float, float]:
    """Milliseconds to import the distro after the floor, then to configure it, in a fresh child."""
    completed = subprocess.run(
        [sys.executable, "-c", OTEL_CHILD_SCRIPT, OTEL_CONNECTION_STRING],
        cwd=mode.cwd,
        env={**mode.env(), "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"configuring {OTEL_DISTRO} failed:\n{completed.stderr}")
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    return float(answer["import_ms"]), float(answer["configure_ms"])


def measure_opentelemetry(floor: Subject, rounds: int) -> dict[str, Any]:
    """The worker's telemetry start-up cost beside the floor, each round pairing the two."""
    if not distro_installed():
        return {"installed": False}
    configure_once(floor.mode)  # warm the file cache; not counted
    floor_ms: list[float] = []
    import_ms: list[float] = []
    configure_ms: list[float] = []
    for _ in range(rounds):
        floor_ms.append(import_once(floor)[0])
        imported, configured = configure_once(floor.mode)
        import_ms.append(imported)
        configure_ms.append(configured)
    return opentelemetry_figures(floor_ms, import_ms, configure_ms)


def opentelemetry_figures(
    floor_ms: list[float], import_ms: list[float], configure_ms: list[float]
) -> dict[str, Any]:
    """results.json's cold_start.opentelemetry: the distro's cost as ratios to the floor."""
    floor = median(floor_ms)
    with_import = (floor + median(import_ms)) / floor
    with_configure = (floor + median(import_ms) + median(configure_ms)) / floor
    return {
        "installed": True,
        "floor": summary_ms(floor_ms),
        "distro_import": summary_ms(import_ms),
        "configure": summary_ms(configure_ms),
        "floor_plus_import_ratio_to_floor": round(with_import, 3),
        "worker_start_ratio_to_floor": round(with_configure, 3),
        "budget_ratio": COLD_START_BUDGET,
        "would_fit_budget_if_imported_by_app": with_import <= COLD_START_BUDGET,
    }


def _figures(samples: dict[str, list[float]], app_modules: set[str], rounds: int) -> dict[str, Any]:
    """results.json's cold_start section: both modes side by side."""
    return {
        "processes": rounds,
        "floor": summary_ms(samples["floor"]),
        "function_app": summary_ms(samples["function_app"]),
        "all_sdks": summary_ms(samples["all_sdks"]),
        **_ratios(samples, "function_app", "floor"),
        "all_sdks_ratio_to_floor": round(median(samples["all_sdks"]) / median(samples["floor"]), 3),
        "no_bytecode": {
            "floor": summary_ms(samples["no_bytecode_floor"]),
            "function_app": summary_ms(samples["no_bytecode_function_app"]),
            **_ratios(samples, "no_bytecode_function_app", "no_bytecode_floor"),
        },
        "empty_env_import_ok": True,
        "eager_sdk_modules_loaded_by_app": sorted(m for m in LAZY_MODULES if m in app_modules),
    }


def _log(figures: dict[str, Any]) -> None:
    uncached = figures["no_bytecode"]
    logger.info(
        "cold_start: floor %.0f ms, function_app %.0f ms (x%.3f, paired x%.3f); without "
        "bytecode floor %.0f ms, function_app %.0f ms (x%.3f, paired x%.3f); all SDKs x%.3f; "
        "SDKs loaded eagerly by the app: %s",
        figures["floor"]["median_ms"],
        figures["function_app"]["median_ms"],
        figures["ratio_to_floor"],
        figures["ratio_to_floor_paired_median"],
        uncached["floor"]["median_ms"],
        uncached["function_app"]["median_ms"],
        uncached["ratio_to_floor"],
        uncached["ratio_to_floor_paired_median"],
        figures["all_sdks_ratio_to_floor"],
        figures["eager_sdk_modules_loaded_by_app"] or "none",
    )
    _log_opentelemetry(figures["opentelemetry"])


def _log_opentelemetry(otel: dict[str, Any]) -> None:
    if not otel["installed"]:
        logger.info("cold_start: %s is not installed; its cost was not measured", OTEL_DISTRO)
        return
    logger.info(
        "cold_start: worker telemetry: importing %s %.0f ms (floor + it: x%.3f), configuring "
        "%.0f ms (floor + both: x%.3f) against a budget of x%.2f",
        OTEL_DISTRO,
        otel["distro_import"]["median_ms"],
        otel["floor_plus_import_ratio_to_floor"],
        otel["configure"]["median_ms"],
        otel["worker_start_ratio_to_floor"],
        otel["budget_ratio"],
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else MIN_ROUNDS
    logger.info("%s", json.dumps(run(rounds), indent=2))
