"""What `azd deploy` ships: the files .funcignore lets through and the runtime requirements."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Tools that belong in requirements-dev.txt only (besides whatever that file lists).
DEV_TOOLS = {
    "black",
    "coverage",
    "hypothesis",
    "mypy",
    "playwright",
    "pytest",
    "ruff",
    "schemathesis",
}
_PINNED = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+(\s*;.+)?$"
)
_DASHBOARD_SUFFIXES = {".html", ".js", ".mjs", ".css", ".svg", ".png", ".ico", ".webmanifest"}


def funcignore_patterns() -> list[str]:
    """The patterns in .funcignore, without comments and blank lines."""
    lines = (REPO / ".funcignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(relative_path: str, patterns: list[str], *, is_dir: bool = False) -> bool:
    """Gitignore-style match (the subset .funcignore uses) of a repository-relative path."""
    parts = relative_path.strip("/").split("/")
    ignored = False
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw.removeprefix("!")
        directory_only = pattern.endswith("/")
        anchored = "/" in pattern.strip("/") or pattern.startswith("/")
        pattern = pattern.strip("/")
        # A directory-only pattern matches a directory on the path, never the file itself.
        candidates = parts if is_dir or not directory_only else parts[:-1]
        if anchored:
            hit = any(
                fnmatchcase("/".join(parts[: index + 1]), pattern)
                for index in range(len(candidates))
            )
        else:
            hit = any(fnmatchcase(part, pattern) for part in candidates)
        if hit:
            ignored = not negated
    return ignored


def deployed_files(patterns: list[str]) -> list[str]:
    """Repository-relative paths of the files the deployment package would hold."""
    files: list[str] = []
    for root, dirs, names in os.walk(REPO):
        relative_root = Path(root).relative_to(REPO).as_posix()
        prefix = "" if relative_root == "." else f"{relative_root}/"
        dirs[:] = [d for d in dirs if not is_ignored(prefix + d, patterns, is_dir=True)]
        files.extend(prefix + name for name in names if not is_ignored(prefix + name, patterns))
    return sorted(files)


def requirement_lines(path: Path) -> list[str]:
    """Requirement lines of a requirements file, without comments and blank lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    stripped = (line.split("#", 1)[0].strip() for line in lines)
    return [line for line in stripped if line]


def normalized(name: str) -> str:
    """PEP 503 form of a distribution name, so `Pytest_Asyncio` equals `pytest-asyncio`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str:
    """Distribution name of one requirement line."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
    assert match is not None, f"not a requirement: {line!r}"
    return normalized(match[0])


def test_funcignore_matcher_follows_gitignore_rules() -> None:
    """The matcher the package tests rely on treats dir/, bare names and negation like git."""
    patterns = ["tests/", "*.pyc", "package.json", "/infra", "!keep.pyc"]
    assert is_ignored("tests/unit/test_a.py", patterns)
    assert is_ignored("static_web/tests/a.test.js", patterns)
    assert not is_ignored("tests", patterns)  # a file named tests, not the directory
    assert is_ignored("api/__init__.pyc", patterns)
    assert is_ignored("infra/main.bicep", patterns)
    assert not is_ignored("docs/infra/x.md", patterns)
    assert not is_ignored("keep.pyc", patterns)
    assert not is_ignored("api/provision.py", patterns)


def test_local_tooling_and_sources_stay_out_of_the_package() -> None:
    """local/, tests/, bench/, docs/, infra/, node_modules and .venv are never deployed."""
    patterns = funcignore_patterns()
    for folder in ["local", "tests", "bench", "docs", "infra", "node_modules", ".venv"]:
        assert is_ignored(f"{folder}/anything.py", patterns), f"{folder}/ would be deployed"
    assert is_ignored("local.settings.json", patterns)


def test_function_app_and_dashboard_are_in_the_package() -> None:
    """The entry point, its packages and every dashboard asset reach Azure."""
    patterns = funcignore_patterns()
    for path in [
        "function_app.py",
        "host.json",
        "requirements.txt",
        "api/provision.py",
        "activities/clusters.py",
        "orchestrators/provision_cluster.py",
        "provisioning/settings.py",
        "static_web/index.html",
        "static_web/js/app.js",
    ]:
        assert not is_ignored(path, patterns), f"{path} would be left out of the package"
    shipped = set(deployed_files(patterns))
    assets = [
        path.relative_to(REPO).as_posix()
        for path in (REPO / "static_web").rglob("*")
        if path.suffix in _DASHBOARD_SUFFIXES and "tests" not in path.relative_to(REPO).parts
    ]
    assert assets, "static_web/ holds no dashboard assets"
    assert not [asset for asset in assets if asset not in shipped]


def test_runtime_requirements_are_all_pinned() -> None:
    """Azure installs exactly what was tested: every runtime requirement is name==version."""
    lines = requirement_lines(REPO / "requirements.txt")
    assert lines, "requirements.txt is empty"
    unpinned = [line for line in lines if not _PINNED.match(line)]
    assert not unpinned, f"not pinned with ==: {unpinned}"


def test_runtime_requirements_hold_no_dev_tools() -> None:
    """Test and build tools are not installed in Azure (cold start, attack surface, size)."""
    runtime = {requirement_name(line) for line in requirement_lines(REPO / "requirements.txt")}
    dev_only = {
        requirement_name(line)
        for line in requirement_lines(REPO / "requirements-dev.txt")
        if not line.startswith("-")
    }
    tools = {normalized(name) for name in DEV_TOOLS} | dev_only
    offenders = {name for name in runtime if name in tools or name.startswith("pytest-")}
    assert not offenders, f"dev tools in requirements.txt: {offenders}"


@pytest.mark.slow
def test_deployed_package_imports_cleanly_in_a_fresh_venv(tmp_path: Path) -> None:
    """The package Azure gets, with only requirements.txt installed, imports with no settings.

    Slow (creates a venv and installs from PyPI): it proves nothing the package needs lives
    in an ignored folder or a dev-only dependency, and that importing reads no settings.
    """
    if not (REPO / "function_app.py").exists():
        pytest.skip("function_app.py does not exist yet, so there is no entry point to import")
    package = tmp_path / "package"
    for relative in deployed_files(funcignore_patterns()):
        target = package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, target)
    venv_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True)
    python = venv_dir / "bin" / "python"
    install_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL"))}
    install_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    subprocess.run(
        # --no-compile: byte-compiling every SDK file at install doubles the time; importing
        # compiles what the app loads, and that import is what this test checks.
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile", "-r", "requirements.txt"],
        cwd=package,
        env=install_env,
        check=True,
        timeout=1800,
    )
    clean_env = {"PATH": f"{venv_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(python), "-s", "-E", "-c", "import function_app"],
        cwd=package,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
