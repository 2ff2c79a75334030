"""Importing function_app stays cheap: no runtime SDK and no setting is needed at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Loaded lazily inside the activities and handlers that use them (docs/benchmarks.md cold start).
LAZY_SDK_PREFIXES = ("azure.data.tables", "azure.identity", "azure.mgmt")
# Built on first use: the OpenAPI document on its first request, the error table on the first
# error answer (it imports every exception's domain module).
LAZY_APP_MODULES = ("api.openapi_document", "api.openapi_schemas", "api.error_specs")


def _modules_after_importing_function_app() -> list[str]:
    """sys.modules of a fresh interpreter that imported function_app with PATH as its only env."""
    code = "import json, sys, function_app\nprint(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return list(json.loads(completed.stdout.strip().splitlines()[-1]))


def test_function_app_imports_with_no_settings_and_no_runtime_sdk() -> None:
    modules = _modules_after_importing_function_app()

    eager = [m for m in modules if m.startswith(LAZY_SDK_PREFIXES)]
    assert "function_app" in modules
    assert "azure.durable_functions" in modules
    assert eager == []


def test_function_app_import_builds_neither_the_openapi_document_nor_the_error_table() -> None:
    modules = _modules_after_importing_function_app()

    assert "api.openapi" in modules
    assert [m for m in LAZY_APP_MODULES if m in modules] == []
