"""The app settings deployed by infra/app/api.bicep match the names the settings module reads."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from provisioning.settings import AZURE_ARM_ENDPOINT, load_settings

REPO = Path(__file__).resolve().parents[2]
API_BICEP = REPO / "infra" / "app" / "api.bicep"
MAIN_BICEP = REPO / "infra" / "main.bicep"
SETTINGS_SOURCE = REPO / "provisioning" / "settings.py"

# Read by provisioning/settings.py, deliberately not app settings in Azure.
NOT_DEPLOYED: dict[str, str] = {
    "AzureWebJobsStorage": (
        "a connection string carries an account key; in Azure shared keys are off and the "
        "identity-based AzureWebJobsStorage__* settings are used"
    ),
    "ARM_CA_BUNDLE": "trusts the local ARM simulator's self-signed certificate",
    "LOCAL_DEV_HOST": "marks the local host as the identity injector; never true in Azure",
    "WEBSITE_AUTH_ENABLED": (
        "set by the platform because authsettingsV2 requires authentication; an app setting "
        "could claim trusted identity headers while auth is off"
    ),
}

# Deployed for the Functions host and its extensions, not read by provisioning/settings.py.
PLATFORM_SETTINGS: dict[str, str] = {
    "AzureWebJobsStorage__accountName": "host and Durable task hub storage, identity-based",
    "AzureWebJobsStorage__credential": "selects managed identity for that storage",
    "AzureWebJobsStorage__clientId": "which (user-assigned) identity to use for it",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "where the host sends telemetry",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Entra auth for telemetry (local auth is off)",
    "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "the worker's OpenTelemetry export of logs",
    "PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME": "which loggers that export takes (the app's own)",
}

# Example values for the Bicep expressions in the app settings, to load them as the app would.
EXAMPLE_GUID = "11111111-2222-3333-4444-555555555555"
BICEP_EXAMPLES: dict[str, str] = {
    "storage.name": "stexample",
    "environment().suffixes.storage": "core.windows.net",
    "identityClientId": EXAMPLE_GUID,
    "subscription().subscriptionId": EXAMPLE_GUID,
    "tenant().tenantId": EXAMPLE_GUID,
    "applicationInsights.properties.ConnectionString": "InstrumentationKey=" + EXAMPLE_GUID,
    "exportTelemetryDimensions ? 'true' : 'false'": "true",
}

_SETTING_LINE = re.compile(r"^'?(?P<name>[A-Za-z_][A-Za-z0-9_]*)'?\s*:\s*(?P<value>.+)$")
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")


def bicep_app_settings(source: str, variable: str = "appSettings") -> dict[str, str]:
    """Names and raw Bicep values of a flat `var <variable> = { ... }` settings object."""
    lines = source.splitlines()
    try:
        start = lines.index(f"var {variable} = {{")
    except ValueError as exc:
        raise AssertionError(f"api.bicep has no top-level `var {variable} = {{` object") from exc
    settings: dict[str, str] = {}
    for line in lines[start + 1 :]:
        if line == "}":
            return settings
        text = line.strip()
        if not text or text.startswith("//"):
            continue
        match = _SETTING_LINE.match(text)
        if match is None:
            raise AssertionError(f"unexpected line in {variable} (keep it flat): {line!r}")
        settings[match["name"]] = _strip_comment(match["value"])
    raise AssertionError(f"{variable} object in api.bicep is not closed by a `}}` line")


def _strip_comment(value: str) -> str:
    if value.startswith("'"):
        return value[: value.index("'", 1) + 1]
    return value.split("//", 1)[0].strip()


def environment_names_read(source: str) -> set[str]:
    """Every environment name a module reads, found by walking its syntax tree."""
    tree = ast.parse(source)
    readers, reader_reads = _name_taking_readers(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (_is_environ_call(node.func) or _called_name(node.func) in readers):
                continue
            argument = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            argument = node.slice
        else:
            continue
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names.add(argument.value)
        elif id(node) not in reader_reads:
            raise AssertionError(
                f"line {node.lineno}: environment name is not a string literal, so it cannot "
                "be checked against the deployment"
            )
    return names


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _is_environ_call(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_os_environ(func.value):
        return True
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "getenv"
        and isinstance(func.value, ast.Name)
        and func.value.id == "os"
    )


def _called_name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else None


def _name_taking_readers(tree: ast.Module) -> tuple[set[str], set[int]]:
    """Module functions that read the environment under their first parameter (e.g. `_int`).

    Returns their names and the ids of those reads, which are the only non-literal reads allowed.
    """
    readers: set[str] = set()
    reads: set[int] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        parameter = node.args.args[0].arg
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and _is_environ_call(inner.func)
                and inner.args
                and isinstance(inner.args[0], ast.Name)
                and inner.args[0].id == parameter
            ):
                readers.add(node.name)
                reads.add(id(inner))
    return readers, reads


def example_value(raw: str, examples: Mapping[str, str] = BICEP_EXAMPLES) -> str:
    """The string an app setting would hold, with Bicep expressions replaced by examples."""

    def lookup(expression: str) -> str:
        if expression not in examples:
            raise AssertionError(f"add an example value for Bicep expression {expression!r}")
        return examples[expression]

    if raw.startswith("'") and raw.endswith("'"):
        return _INTERPOLATION.sub(lambda match: lookup(match[1]), raw[1:-1])
    return lookup(raw)


def jobstate_table_created_by_main() -> str:
    """Name of the table main.bicep creates (passed to api.bicep as jobStateTableName)."""
    match = re.search(r"^\s*tableName:\s*'([A-Za-z][A-Za-z0-9]{2,62})'\s*$", _main(), re.M)
    assert match is not None, "main.bicep passes no literal tableName to the storage module"
    return match[1]


def _main() -> str:
    return MAIN_BICEP.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def deployed() -> dict[str, str]:
    """App settings of the function app as written in api.bicep."""
    return bicep_app_settings(API_BICEP.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def read_by_app() -> set[str]:
    """Environment names provisioning/settings.py reads."""
    return environment_names_read(SETTINGS_SOURCE.read_text(encoding="utf-8"))


def test_every_setting_the_app_reads_is_deployed_unless_local_or_platform_only(
    deployed: dict[str, str], read_by_app: set[str]
) -> None:
    """A name settings.py reads but Azure lacks would fail or default silently in production."""
    missing = read_by_app - NOT_DEPLOYED.keys() - deployed.keys()
    assert not missing, f"read by provisioning/settings.py but not set in api.bicep: {missing}"


def test_local_and_platform_only_settings_are_not_deployed(deployed: dict[str, str]) -> None:
    """ARM_CA_BUNDLE, LOCAL_DEV_HOST, keyed storage and WEBSITE_AUTH_ENABLED stay out of Azure."""
    assert not NOT_DEPLOYED.keys() & deployed.keys()


def test_every_deployed_setting_is_read_by_the_app_or_the_platform(
    deployed: dict[str, str], read_by_app: set[str]
) -> None:
    """A deployed name nobody reads is a typo or a leftover."""
    unread = deployed.keys() - read_by_app - PLATFORM_SETTINGS.keys()
    assert not unread, f"set in api.bicep but read by nothing known: {unread}"


def test_allow_lists_name_only_real_exceptions(
    deployed: dict[str, str], read_by_app: set[str]
) -> None:
    """The exception lists shrink when the code does: no stale or misfiled names."""
    assert NOT_DEPLOYED.keys() <= read_by_app
    assert PLATFORM_SETTINGS.keys() <= deployed.keys()
    assert not PLATFORM_SETTINGS.keys() & read_by_app


def test_settings_scanner_finds_every_way_of_reading_the_environment() -> None:
    """The scan that feeds the checks above misses no reading style and rejects hidden names."""
    source = (
        "import os\n"
        "def _flag(name):\n    return os.environ.get(name, '')\n"
        "A = os.environ.get('A')\nB = os.getenv('B')\nC = os.environ['C']\nD = _flag('D')\n"
    )
    assert environment_names_read(source) == {"A", "B", "C", "D"}
    with pytest.raises(AssertionError, match="not a string literal"):
        environment_names_read("import os\nNAME = 'X'\nvalue = os.environ.get(NAME)\n")


def test_deployed_settings_load_with_the_real_arm_and_trusted_platform_identity(
    deployed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The values Azure gets load cleanly: identity storage, simulator off, Easy Auth trusted."""
    for name in [*NOT_DEPLOYED, *deployed]:
        monkeypatch.delenv(name, raising=False)
    for name, raw in deployed.items():
        value = raw
        if name == "JOBSTATE_TABLE_NAME":
            value = f"'{jobstate_table_created_by_main()}'"
        monkeypatch.setenv(name, example_value(value))
    monkeypatch.setenv("WEBSITE_AUTH_ENABLED", "True")  # what the platform sets with auth on

    settings = load_settings()

    assert settings.storage_connection_string is None
    assert settings.table_service_uri == "https://stexample.table.core.windows.net"
    assert settings.jobstate_table_name == "JobState"
    assert settings.arm_endpoint == AZURE_ARM_ENDPOINT
    assert not settings.uses_arm_simulator
    assert settings.arm_ca_bundle is None
    assert settings.subscription_id == EXAMPLE_GUID
    assert settings.managed_identity_client_id == EXAMPLE_GUID
    assert (settings.poll_seconds, settings.deadline_minutes) == (15, 45)
    assert settings.storage_timeout_seconds == 5.0
    assert not settings.local_dev_host
    assert settings.identity_headers_trusted


def test_app_settings_take_the_table_name_from_the_table_main_creates() -> None:
    """JOBSTATE_TABLE_NAME names the table the storage module really creates."""
    assert (
        bicep_app_settings(API_BICEP.read_text(encoding="utf-8"))["JOBSTATE_TABLE_NAME"]
        == "jobStateTableName"
    )
    assert "jobStateTableName: storage.outputs.tableName" in _main()
    assert jobstate_table_created_by_main() == "JobState"


def test_authentication_is_required_so_the_platform_turns_website_auth_enabled_on() -> None:
    """WEBSITE_AUTH_ENABLED is left to the platform only because authsettingsV2 requires sign-in."""
    source = API_BICEP.read_text(encoding="utf-8")
    auth_block = source[source.index("name: 'authsettingsV2'") :]
    assert re.search(r"platform:\s*\{\s*enabled:\s*true", auth_block)
    assert re.search(r"requireAuthentication:\s*true", auth_block)
    assert "azureActiveDirectory" in auth_block
    assert "clientId: authClientId" in auth_block
