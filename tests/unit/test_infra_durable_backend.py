"""The Durable Functions backend option: Bicep, app settings, host.json and README kept in step.

No Bicep compiler runs here, so these read the templates as text (as test_infra_roles.py and
test_infra_settings.py do); only a real deployment proves the template compiles and the app runs
on the Durable Task Scheduler, which README says.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any

from activities import names
from tests.unit.test_guard_orchestrator import GuardContext, verdict
from tests.unit.test_guard_orchestrator import run as run_guard
from tests.unit.test_infra_settings import (
    EXAMPLE_GUID,
    SETTINGS_SOURCE,
    bicep_app_settings,
    environment_names_read,
    example_value,
)

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "infra" / "main.bicep"
API = ROOT / "infra" / "app" / "api.bicep"
SCHEDULER = ROOT / "infra" / "app" / "durable-task-scheduler.bicep"
PARAMETERS = ROOT / "infra" / "main.parameters.json"
HOST_JSON = ROOT / "host.json"
README = ROOT / "README.md"

BACKENDS = {"azureStorage", "durableTaskScheduler"}
# Built-in role "Durable Task Data Contributor".
DURABLE_TASK_DATA_CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"
CONNECTION_SETTING = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
SCHEDULER_SETTINGS = {
    "AzureFunctionsJobHost__extensions__durableTask__storageProvider__type",
    "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName",
    "AzureFunctionsJobHost__extensions__durableTask__hubName",
    CONNECTION_SETTING,
}
HOST_OVERRIDE = "AzureFunctionsJobHost__"
# The first extension bundle with the Scheduler's provider (`azureManaged`) for non-.NET apps.
SCHEDULER_BUNDLE = (4, 32, 0)
SWITCH_HEADING = "### When to switch to the Durable Task Scheduler"

# The capacity arithmetic README shows, from its stated inputs.
DAY_SECONDS = 86_400
CHECK_SECONDS = 300  # GUARDRAIL_CHECK_SECONDS in Azure


def _wake_up_actions() -> int:
    """One guard generation stepped (nothing due): the actions its wake-up costs the backend.

    The timer fires (1), each activity is started and its result processed (2 each), and
    continue_as_new starts the next generation (1): README's table follows the code.
    """
    context = GuardContext({names.CHECK_GUARDRAIL: [verdict()]})
    run_guard(context)
    assert context.continued_with is not None and len(context.timers) == 1
    return len(context.timers) + 2 * len(context.activity_names) + 1


WAKE_UP_ACTIONS = _wake_up_actions()
POLL_SECONDS = 15  # PROVISION_POLL_SECONDS in Azure
ARM_SECONDS = 600  # assumed duration of a create, stop or start
OPERATION_ACTIONS = 1 + 4 * 2 + (ARM_SECONDS // POLL_SECONDS) * (1 + 2)
OPERATIONS_A_DAY = 2  # working hours: one stop, one start

_RESOURCE_HEADER = re.compile(
    r"^resource (?P<name>\w+) '(?P<type>[^'@]+)@[^']+' = (?:if \((?P<condition>.+)\) )?\{$"
)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def parameter(source: str, name: str) -> tuple[list[str], str]:
    """The decorator lines and the declaration (up to its default's end) of `param <name>`."""
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"param {name} ")]
    assert len(starts) == 1, f"param {name} is declared {len(starts)} times"
    start = starts[0]
    decorators: list[str] = []
    i = start - 1
    while i >= 0 and (lines[i].startswith("@") or lines[i].startswith("  ") or lines[i] == "])"):
        decorators.insert(0, lines[i])
        i -= 1
    declaration = [lines[start]]
    if lines[start].endswith("["):
        for line in lines[start + 1 :]:
            declaration.append(line)
            if line == "]":
                break
    return decorators, "\n".join(declaration)


def allowed_values(source: str, name: str) -> set[str]:
    """The values of the `@allowed([...])` decorator on `param <name>`."""
    decorators, _ = parameter(source, name)
    block = "\n".join(decorators)
    match = re.search(r"@allowed\(\[(.*?)\]\)", block, re.S)
    assert match, f"param {name} has no @allowed decorator"
    return set(re.findall(r"'([^']+)'", match[1]))


def resources(source: str) -> list[dict[str, str]]:
    """Every top-level `resource` of a template: symbolic name, type, condition and body."""
    lines = source.splitlines()
    found: list[dict[str, str]] = []
    for i, line in enumerate(lines):
        match = _RESOURCE_HEADER.match(line)
        if match is None:
            continue
        end = lines.index("}", i)
        found.append(
            {
                "name": match["name"],
                "type": match["type"],
                "condition": match["condition"] or "",
                "body": "\n".join(lines[i + 1 : end]),
            }
        )
    return found


def module_block(source: str, name: str) -> str:
    """The body of `module <name> ...` in main.bicep, up to its closing brace."""
    start = source.index(f"module {name} ")
    return source[start : source.index("\n}\n", start)]


def principal_of(body: str) -> str:
    """The expression a role assignment's body gives as its principalId."""
    match = re.search(r"principalId: (\w+)", body)
    assert match, "role assignment without a principalId"
    return match[1]


def host_json() -> dict[str, Any]:
    """host.json as the Functions host reads it."""
    loaded: dict[str, Any] = json.loads(_text(HOST_JSON))
    return loaded


def version_range_admits(version_range: str, version: tuple[int, int, int]) -> bool:
    """Whether a bundle range such as `[4.*, 5.0.0)` holds that version or a newer one in it."""
    match = re.fullmatch(r"([\[(])\s*([\d.*]+)\s*,\s*([\d.*]+)\s*([\])])", version_range)
    assert match, f"not a version range: {version_range!r}"
    upper = tuple(int(part) for part in match[3].replace("*", "0").split("."))
    upper = upper + (0,) * (3 - len(upper))
    return upper > version if match[4] == ")" else upper >= version


def scheduler_settings() -> dict[str, str]:
    """The app settings api.bicep adds with the Scheduler backend."""
    return bicep_app_settings(_text(API), "durableTaskSchedulerSettings")


def test_the_backend_parameter_offers_exactly_the_two_backends_with_azure_storage_default() -> None:
    """A third spelling would deploy neither provider's settings; the default keeps today's app."""
    for template in (MAIN, API):
        source = _text(template)
        assert allowed_values(source, "durableBackend") == BACKENDS, template.name
        assert "param durableBackend string = 'azureStorage'" in source, template.name
    assert "durableBackend: durableBackend" in _text(MAIN)


def test_azd_maps_durable_backend_and_the_scheduler_sku_with_safe_defaults() -> None:
    """`azd env set DURABLE_BACKEND ...` reaches the template; unset, nothing changes."""
    values = {
        name: entry["value"] for name, entry in json.loads(_text(PARAMETERS))["parameters"].items()
    }
    assert values["durableBackend"] == "${DURABLE_BACKEND=azureStorage}"
    assert values["durableTaskSchedulerSku"] == "${DURABLE_TASK_SCHEDULER_SKU=Consumption}"
    assert values["durableTaskSchedulerCapacity"] == "${DURABLE_TASK_SCHEDULER_CAPACITY=1}"
    main = _text(MAIN)
    assert allowed_values(main, "durableTaskSchedulerSku") == {"Consumption", "Dedicated"}
    assert allowed_values(_text(SCHEDULER), "skuName") == {"Consumption", "Dedicated"}


def test_the_scheduler_and_its_roles_are_deployed_only_with_the_scheduler_backend() -> None:
    """With azureStorage no scheduler, task hub or Durable Task role is created anywhere."""
    main = _text(MAIN)
    assert "var usesDurableTaskScheduler = durableBackend == 'durableTaskScheduler'" in main
    assert (
        "module durableTaskScheduler 'app/durable-task-scheduler.bicep' = "
        "if (usesDurableTaskScheduler) {" in main
    )
    templates = [*ROOT.joinpath("infra").rglob("*.bicep")]
    holding = {path.name for path in templates if "Microsoft.DurableTask/" in _text(path)}
    assert holding == {SCHEDULER.name}
    holding_role = {path.name for path in templates if DURABLE_TASK_DATA_CONTRIBUTOR in _text(path)}
    assert holding_role == {SCHEDULER.name}
    types = {resource["type"] for resource in resources(_text(SCHEDULER))}
    assert {
        "Microsoft.DurableTask/schedulers",
        "Microsoft.DurableTask/schedulers/taskHubs",
    } <= types


def test_main_reads_the_scheduler_outputs_only_when_it_is_deployed() -> None:
    """An output of a module that was not deployed fails the whole deployment."""
    reads = [line for line in _text(MAIN).splitlines() if "durableTaskScheduler!" in line]
    assert reads, "main.bicep no longer reads the scheduler's outputs"
    for line in reads:
        assert re.search(r"usesDurableTaskScheduler \? durableTaskScheduler!\.outputs\.\w+ :", line)
    assert "durableTaskScheduler.outputs" not in _text(MAIN)


def test_the_ip_allow_list_can_never_be_empty() -> None:
    """An empty allow-list denies every caller, the app included."""
    decorators, declaration = parameter(_text(MAIN), "durableTaskSchedulerIpAllowlist")
    assert "@minLength(1)" in decorators
    defaults = re.findall(r"'([^']+)'", declaration)
    assert defaults, "the allow-list has no default entry"
    for entry in defaults:
        ipaddress.ip_network(entry)  # raises on anything but an address or a CIDR range
    assert "ipAllowlist: durableTaskSchedulerIpAllowlist" in _text(MAIN)
    source = _text(SCHEDULER)
    assert "@minLength(1)" in parameter(source, "ipAllowlist")[0]
    scheduler = next(r for r in resources(source) if r["type"].endswith("/schedulers"))
    assert "ipAllowlist: ipAllowlist" in scheduler["body"]


def test_the_app_identity_and_the_deploying_user_get_durable_task_data_contributor() -> None:
    """The app needs the data role to run at all; the user needs it to open the dashboard."""
    source = _text(SCHEDULER)
    assert f"var durableTaskDataContributor = '{DURABLE_TASK_DATA_CONTRIBUTOR}'" in source
    assignments = [
        r for r in resources(source) if r["type"] == "Microsoft.Authorization/roleAssignments"
    ]
    by_principal = {principal_of(r["body"]): r for r in assignments}
    assert set(by_principal) == {"managedIdentityPrincipalId", "userPrincipalId"}
    for assignment in assignments:
        assert "scope: scheduler" in assignment["body"]
        assert (
            "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
            "durableTaskDataContributor)" in assignment["body"]
        )
    assert by_principal["managedIdentityPrincipalId"]["condition"] == ""
    assert "principalType: 'ServicePrincipal'" in by_principal["managedIdentityPrincipalId"]["body"]
    assert by_principal["userPrincipalId"]["condition"] == "!empty(userPrincipalId)"
    module = module_block(_text(MAIN), "durableTaskScheduler")
    assert "managedIdentityPrincipalId: identity.outputs.principalId" in module
    assert "userPrincipalId: principalId" in module


def test_scheduler_settings_override_host_json_for_the_scheduler_only() -> None:
    """host.json keeps Azure Storage (local stack, default); app settings switch the provider."""
    settings = scheduler_settings()
    assert set(settings) == SCHEDULER_SETTINGS
    durable = host_json()["extensions"]["durableTask"]
    assert "storageProvider" not in durable, "host.json must keep the default provider"
    for name in settings:
        if name.startswith(HOST_OVERRIDE):
            path = name.removeprefix(HOST_OVERRIDE).split("__")
            assert path[:2] == ["extensions", "durableTask"], name
    prefix = HOST_OVERRIDE + "extensions__durableTask__"
    assert settings[prefix + "storageProvider__type"] == "'azureManaged'"
    named = settings[prefix + "storageProvider__connectionStringName"].strip("'")
    assert named == CONNECTION_SETTING and named in settings
    assert settings[prefix + "hubName"] == "durableTaskHubName"
    assert "hubName" in durable  # an override of the name host.json gives the hub


def test_scheduler_settings_are_added_only_with_the_scheduler_backend() -> None:
    """With azureStorage the app gets exactly the settings it has always had."""
    source = _text(API)
    assert (
        "properties: durableBackend == 'durableTaskScheduler' "
        "? union(appSettings, durableTaskSchedulerSettings) : appSettings" in source
    )
    always = bicep_app_settings(source)
    assert not set(always) & SCHEDULER_SETTINGS
    assert not [name for name in always if name.startswith(HOST_OVERRIDE)]


def test_the_app_code_never_reads_the_scheduler_settings() -> None:
    """Only the Functions host reads them, so the app runs unchanged on either backend."""
    read = environment_names_read(SETTINGS_SOURCE.read_text(encoding="utf-8"))
    assert not read & SCHEDULER_SETTINGS


def test_the_connection_string_authenticates_as_the_apps_user_assigned_identity() -> None:
    """Endpoint, managed identity, and the same client id every other Azure client uses."""
    endpoint = "https://dts-example.westeurope.durabletask.io"
    examples = {"durableTaskSchedulerEndpoint": endpoint, "identityClientId": EXAMPLE_GUID}
    value = example_value(scheduler_settings()[CONNECTION_SETTING], examples)
    pairs = dict(part.split("=", 1) for part in value.split(";"))
    assert pairs == {
        "Endpoint": endpoint,
        "Authentication": "ManagedIdentity",
        "ClientID": EXAMPLE_GUID,
    }
    always = bicep_app_settings(_text(API))
    assert (
        always["AZURE_CLIENT_ID"] == always["AzureWebJobsStorage__clientId"] == "identityClientId"
    )
    main = _text(MAIN)
    assert (
        "durableTaskSchedulerEndpoint: usesDurableTaskScheduler ? "
        "durableTaskScheduler!.outputs.endpoint : ''" in main
    )
    assert "output endpoint string = scheduler.properties.endpoint" in _text(SCHEDULER)


def test_the_scheduler_task_hub_carries_the_hub_name_host_json_gives() -> None:
    """One hub name for both backends, so logs and docs name the same hub."""
    main = _text(MAIN)
    match = re.search(r"^var durableTaskHubName = '([^']+)'$", main, re.M)
    assert match, "main.bicep has no literal durableTaskHubName"
    assert match[1] == host_json()["extensions"]["durableTask"]["hubName"]
    assert re.fullmatch(r"[a-zA-Z0-9-]{3,64}", match[1]), "not a valid task hub resource name"
    assert "taskHubName: durableTaskHubName" in module_block(main, "durableTaskScheduler")
    assert "durableTaskHubName: durableTaskHubName" in module_block(main, "api")
    hub = next(r for r in resources(_text(SCHEDULER)) if r["type"].endswith("/taskHubs"))
    assert "name: taskHubName" in hub["body"] and "parent: scheduler" in hub["body"]


def test_the_extension_bundle_range_reaches_the_bundle_with_the_scheduler_provider() -> None:
    """The host takes the newest bundle in range; capped below 4.32.0 it has no azureManaged."""
    bundle = host_json()["extensionBundle"]
    assert bundle["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    assert version_range_admits(bundle["version"], SCHEDULER_BUNDLE)
    assert not version_range_admits("[4.0.0, 4.20.0)", SCHEDULER_BUNDLE)
    assert not version_range_admits("[4.*, 4.32.0)", SCHEDULER_BUNDLE)
    assert version_range_admits("[4.32.0, 4.32.0]", SCHEDULER_BUNDLE)


def deployment_section() -> str:
    """README from "Deploy to Azure with azd" to the end: the part these options belong to."""
    text = _text(README)
    return text[text.index("## Deploy to Azure with azd") :]


def code_blocks(text: str) -> list[list[str]]:
    """The lines of every fenced code block."""
    return [block.splitlines() for block in re.findall(r"```\w*\n(.*?)```", text, re.S)]


def capacity_rows(section: str) -> dict[str, tuple[int, int, int]]:
    """README's capacity table: backend -> (actions/s, daily-average fleet, shared-edge fleet)."""
    rows: dict[str, tuple[int, int, int]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and all(re.fullmatch(r"[\d,]+", cell) for cell in cells[1:]):
            numbers = [int(cell.replace(",", "")) for cell in cells[1:]]
            rows[cells[0]] = (numbers[0], numbers[1], numbers[2])
    return rows


def test_readme_documents_both_backends_and_the_commands_that_switch() -> None:
    """`azd env set DURABLE_BACKEND durableTaskScheduler`, then `azd up`, in one runnable block."""
    section = deployment_section()
    for backend in BACKENDS:
        assert f"`{backend}`" in section, backend
    switching = [
        block
        for block in code_blocks(section)
        if "azd env set DURABLE_BACKEND durableTaskScheduler" in block
    ]
    assert len(switching) == 1
    block = switching[0]
    assert block.index("azd env set DURABLE_BACKEND durableTaskScheduler") < block.index("azd up")
    assert "Switching starts an empty task hub" in section
    assert SWITCH_HEADING in section.splitlines()


def test_readme_names_every_scheduler_setting_the_role_and_the_dashboard_output() -> None:
    """What README tells an operator to look for is what the template deploys."""
    section = deployment_section()
    for name in scheduler_settings():
        assert f"`{name}`" in section, name
    assert "*Durable Task Data Contributor*" in section
    assert f"`{DURABLE_TASK_DATA_CONTRIBUTOR}`" in section
    outputs = set(re.findall(r"^output (\w+) ", _text(MAIN), re.M))
    named = set(re.findall(r"azd env get-value (\w+)", section))
    assert "DURABLE_TASK_SCHEDULER_DASHBOARD_URL" in named
    assert named <= outputs, named - outputs


def test_readme_has_a_row_for_every_azd_variable_of_the_template() -> None:
    """Each `${VAR}` of main.parameters.json has its row naming the parameter it sets."""
    section = deployment_section()
    parameters = json.loads(_text(PARAMETERS))["parameters"]
    for name, entry in parameters.items():
        variable = re.fullmatch(r"\$\{(\w+)(?:=[^}]*)?\}", entry["value"])
        assert variable, name
        assert re.search(rf"^\| `{variable[1]}` \| `{name}` \|", section, re.M), variable[1]


def test_readme_capacity_figures_are_the_arithmetic_of_their_stated_inputs() -> None:
    """Change an input (check interval, poll, duration) and README's figures must follow."""
    section = deployment_section()
    switching = section[section.index(SWITCH_HEADING) :]
    per_day = DAY_SECONDS // CHECK_SECONDS * WAKE_UP_ACTIONS
    with_operations = per_day + OPERATIONS_A_DAY * OPERATION_ACTIONS
    assert f"**{WAKE_UP_ACTIONS}**" in switching
    assert f"**{per_day:,} actions a day**" in switching
    assert f"**{OPERATION_ACTIONS} actions**" in switching
    assert f"**{with_operations:,} actions per guarded cluster a day**" in switching
    average = with_operations / DAY_SECONDS
    at_edge = 3 / POLL_SECONDS + WAKE_UP_ACTIONS / CHECK_SECONDS
    assert f"{average:.4f}" in switching and f"**{at_edge:.3f} actions/s per" in switching
    rows = capacity_rows(switching)
    assert {"Azure Storage, 4 instances", "Scheduler, Consumption SKU"} <= rows.keys()
    for backend, (throughput, daily, edge) in rows.items():
        assert daily == int(throughput / average) // 100 * 100, backend
        assert edge == int(throughput / at_edge) // 100 * 100, backend
