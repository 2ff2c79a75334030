"""Cold start: importing function_app vs the floor every Durable app pays, in fresh processes.

Each sample is a new `python -c` with an empty environment (PATH only), timing the import
with time.perf_counter() inside the child. Floor, app and all-SDKs run interleaved so the
machine's noise hits each of them alike.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

from bench.percentiles import median, summary_ms
from local.processes import PROJECT_ROOT

logger = logging.getLogger(__name__)

FLOOR_MODULES = ("azure.functions", "azure.durable_functions")
RUNTIME_SDKS = ("azure.data.tables", "azure.identity", "azure.mgmt.containerservice")
# Modules the app must not load at import (the budget holds only when they load lazily).
LAZY_MODULES = RUNTIME_SDKS + ("azure.core.pipeline.transport._requests_basic", "requests")
SUBJECTS: dict[str, tuple[str, ...]] = {
    "floor": FLOOR_MODULES,
    "function_app": ("function_app",),
    "all_sdks": FLOOR_MODULES + RUNTIME_SDKS,
}
CHILD_SCRIPT = """
import importlib, json, sys, time
names = sys.argv[1:]
started = time.perf_counter()
for name in names:
    importlib.import_module(name)
elapsed = time.perf_counter() - started
print(json.dumps({"ms": elapsed * 1000, "modules": sorted(sys.modules)}))
"""


def import_once(modules: tuple[str, ...]) -> tuple[float, set[str]]:
    """Milliseconds to import `modules` in a fresh interpreter, and what ended up loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, *modules],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"importing {modules} failed with an empty env:\n{completed.stderr}")
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    return float(answer["ms"]), set(answer["modules"])


def app_import_breakdown() -> dict[str, float]:
    """-X importtime of function_app: cumulative ms of what it adds on top of the floor."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import function_app"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    added: dict[str, float] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        # Direct children of function_app are indented by exactly three spaces.
        if name.startswith("   ") and not name.startswith("    "):
            module = name.strip()
            if module.split(".")[0] in ("api", "orchestrators", "activities", "provisioning"):
                added[module] = round(int(cumulative) / 1000, 1)
    return added


def run(processes: int = 11) -> dict[str, Any]:
    """Median import cost of each subject over `processes` fresh interpreters, interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in SUBJECTS}
    app_modules: set[str] = set()
    for modules in SUBJECTS.values():  # warm the file cache once; not counted
        import_once(modules)
    for _ in range(processes):
        for name, modules in SUBJECTS.items():
            elapsed, loaded = import_once(modules)
            samples[name].append(elapsed)
            if name == "function_app":
                app_modules = loaded
    # Per-round ratios pair each app sample with the floor sample taken right next to it.
    paired = sorted(a / f for a, f in zip(samples["function_app"], samples["floor"], strict=True))
    floor_ms = median(samples["floor"])
    figures: dict[str, Any] = {
        "processes": processes,
        "floor": summary_ms(samples["floor"]),
        "function_app": summary_ms(samples["function_app"]),
        "all_sdks": summary_ms(samples["all_sdks"]),
        "ratio_to_floor": round(median(samples["function_app"]) / floor_ms, 3),
        "ratio_to_floor_paired_median": round(median(paired), 3),
        "all_sdks_ratio_to_floor": round(median(samples["all_sdks"]) / floor_ms, 3),
        "empty_env_import_ok": True,
        "eager_sdk_modules_loaded_by_app": sorted(m for m in LAZY_MODULES if m in app_modules),
        "app_packages_importtime_ms": app_import_breakdown(),
    }
    logger.info(
        "cold_start: floor %.0f ms, function_app %.0f ms (x%.3f), all SDKs %.0f ms (x%.3f); "
        "SDKs loaded eagerly by the app: %s",
        floor_ms, figures["function_app"]["median_ms"], figures["ratio_to_floor"],
        figures["all_sdks"]["median_ms"], figures["all_sdks_ratio_to_floor"],
        figures["eager_sdk_modules_loaded_by_app"] or "none",
    )
    return figures
