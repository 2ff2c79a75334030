"""The live Create dialog in headless Chromium: options, presets, preflight (README/§14)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Route, expect

from tests.e2e.conftest import assert_accessible, save_screenshot, unique_user

pytestmark = pytest.mark.browser

PREFLIGHT_PATTERN = "**/api/aks/preflight"
OPTIONS_PATTERN = "**/api/aks/options**"
# Few other tests create clusters here, so its vCPU quota is free unless a test uses it up.
QUIET_REGION = "swedencentral"
PRICE_LINE = re.compile(r"^≈ \$\d+\.\d{2}/hr · \$\d+\.\d{2}/month$")

SignedInPage = Callable[..., Page]


def open_dialog(page: Page) -> Locator:
    """Open Create cluster; the dialog once its options for the default region have loaded."""
    with page.expect_response(OPTIONS_PATTERN):
        page.get_by_role("button", name="Create cluster").click()
    dialog = page.get_by_role("dialog", name="Create AKS cluster")
    expect(dialog).to_be_visible()
    return dialog


def choose_region(page: Page, dialog: Locator, region: str) -> None:
    """Pick a region and wait for its options to arrive."""
    with page.expect_response(lambda r: "/api/aks/options" in r.url and region in r.url):
        dialog.get_by_label("Region", exact=True).select_option(region)


def fill_required(dialog: Locator, cluster: str, resource_group: str = "rg-e2e") -> None:
    """The two text fields the form needs before preflight can run."""
    dialog.get_by_label("Cluster name", exact=True).fill(cluster)
    dialog.get_by_label("Resource group", exact=True).fill(resource_group)


def checks_list(dialog: Locator) -> Locator:
    """The "Preflight checks" list."""
    return dialog.get_by_role("list", name="Preflight checks")


def check_item(dialog: Locator, status: str) -> Locator:
    """The check lines whose status reads `status`."""
    return (
        checks_list(dialog)
        .get_by_role("listitem")
        .filter(has=dialog.page.locator(".check__status", has_text=re.compile(rf"^\W*{status}$")))
    )


def create_button(dialog: Locator, name: str = "Create") -> Locator:
    """The submit button by what it reads now."""
    return dialog.get_by_role("button", name=name, exact=True)


def preflight_answer(**overrides: Any) -> dict[str, Any]:
    """A preflight answer of the contract's shape, every check passing unless overridden."""
    checks = [
        {"id": check_id, "status": "pass", "message": f"{check_id} is fine.", "actions": []}
        for check_id in (
            "vm_size",
            "quota",
            "resource_group",
            "permission",
            "kubernetes_version",
            "cluster_name",
        )
    ]
    return {"ok": True, "checks": checks, "quota": None, "cost": None, **overrides}


def test_options_fill_the_selects_and_an_unavailable_size_is_disabled(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("opal"))
    dialog = open_dialog(page)
    size = dialog.get_by_label("Node VM size", exact=True)
    expect(size.locator("option[value='Standard_D4s_v5']")).to_have_text(
        "Standard_D4s_v5 — 4 vCPU, 16 GiB"
    )

    choose_region(page, dialog, "westus3")
    restricted = size.locator("option[value='Standard_D8s_v5']")
    expect(restricted).to_have_text("Standard_D8s_v5 — 8 vCPU, 32 GiB — not available in westus3")
    expect(restricted).to_be_disabled()
    expect(size.locator("option[value='Standard_D4s_v5']")).to_be_enabled()

    versions = dialog.get_by_label("Kubernetes version", exact=True)
    expect(versions.locator("option").first).to_have_text(re.compile(r"^Default \(\d+\.\d+\)$"))
    expect(versions.locator("option").first).to_have_attribute("value", "")
    expect(versions.locator("option", has_text="(preview)")).to_have_count(1)
    regions = dialog.get_by_label("Region", exact=True).locator("option")
    assert regions.count() >= 15
    expect(dialog.get_by_label("Region", exact=True)).to_have_value("westus3")
    assert_accessible(page, "create dialog with live options")
    save_screenshot(page, "create-dialog-options")


def test_options_that_fail_leave_the_static_lists_so_the_form_still_works(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("olga"))
    page.route(
        OPTIONS_PATTERN,
        lambda route: route.fulfill(
            status=503, json={"error": {"code": "unavailable", "message": "down"}}
        ),
    )
    dialog = open_dialog(page)
    expect(dialog.get_by_label("Node VM size", exact=True)).to_have_value("Standard_D2s_v5")
    regions = dialog.get_by_label("Region", exact=True)
    expect(regions.locator("option[value='eastus']")).to_have_count(1)
    expect(dialog.get_by_label("Kubernetes version", exact=True)).to_have_value("")

    cluster = f"live-{unique_user('o')}"
    fill_required(dialog, cluster)
    with page.expect_response("**/api/aks/provision") as answer:
        create_button(dialog).click()
    assert answer.value.status == 202
    expect(dialog).to_be_hidden()


def test_a_preset_fills_sizes_and_counts_but_keeps_a_field_the_user_edited(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("pia"))
    dialog = open_dialog(page)
    dialog.get_by_label("Node count", exact=True).fill("5")

    dialog.get_by_label("Preset", exact=True).select_option("Production")
    expect(dialog.get_by_label("Node count", exact=True)).to_have_value("5")
    expect(dialog.get_by_label("Node VM size", exact=True)).to_have_value("Standard_D4s_v5")
    expect(dialog.get_by_label("Workload pool", exact=True)).to_be_checked()
    expect(dialog.get_by_label("Workload VM size", exact=True)).to_have_value("Standard_D4s_v5")
    expect(dialog.get_by_label("Workload node count", exact=True)).to_have_value("3")

    dialog.get_by_label("Preset", exact=True).select_option("Dev/Test")
    expect(dialog.get_by_label("Node VM size", exact=True)).to_have_value("Standard_D2s_v5")
    expect(dialog.get_by_label("Node count", exact=True)).to_have_value("5")
    expect(dialog.get_by_label("Workload pool", exact=True)).not_to_be_checked()
    expect(dialog.get_by_label("Workload VM size", exact=True)).to_have_count(0)


def test_the_checks_list_shows_six_checks_with_their_status_as_text(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("quinn"))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    fill_required(dialog, f"live-{unique_user('q')}")

    items = checks_list(dialog).get_by_role("listitem")
    expect(items).to_have_count(6)
    expect(checks_list(dialog)).to_have_attribute("aria-live", "polite")
    for index in range(6):
        expect(items.nth(index).locator(".check__status")).to_have_text(
            re.compile(r"^\W*(pass|warn|fail|unknown)$")
        )
    expect(check_item(dialog, "warn")).to_contain_text("rg-e2e")  # the group lives in eastus
    expect(create_button(dialog)).to_be_enabled()
    assert_accessible(page, "preflight checks")
    save_screenshot(page, "create-dialog-checks")


def test_a_failing_check_turns_create_into_fix_errors_above_and_back(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("rhea"))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    fill_required(dialog, f"live-{unique_user('r')}", "missing-rg")

    blocked = create_button(dialog, "Fix errors above")
    expect(blocked).to_be_disabled()
    failing = check_item(dialog, "fail")
    expect(failing).to_contain_text("missing-rg")
    link = failing.get_by_role("link", name="Create the resource group")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))

    dialog.get_by_label("Resource group", exact=True).fill("readonly-team")
    expect(check_item(dialog, "fail")).to_contain_text(
        "Microsoft.ContainerService/managedClusters/write"
    )
    commands = check_item(dialog, "fail").locator("code")  # the grant, and maybe more
    expect(commands.first).to_contain_text("az role assignment create")
    expect(blocked).to_be_disabled()
    assert_accessible(page, "Fix errors above")
    save_screenshot(page, "create-dialog-fix-errors")

    dialog.get_by_label("Resource group", exact=True).fill("rg-e2e")
    expect(create_button(dialog)).to_be_enabled()
    expect(check_item(dialog, "fail")).to_have_count(0)


def test_a_quota_failure_offers_apply_n_nodes_which_sets_node_count(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("sven"))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    # 1600 vCPUs: over the session simulator's family limit (tests/arm_fixtures.py).
    dialog.get_by_label("Node VM size", exact=True).select_option("Standard_D16s_v5")
    dialog.get_by_label("Node count", exact=True).fill("100")
    fill_required(dialog, f"live-{unique_user('s')}")

    apply = check_item(dialog, "fail").get_by_role("button", name=re.compile(r"^Apply \d+ nodes$"))
    expect(apply).to_be_visible()
    expect(create_button(dialog, "Fix errors above")).to_be_disabled()
    nodes = re.fullmatch(r"Apply (\d+) nodes", apply.inner_text().strip())
    assert nodes and 1 <= int(nodes[1]) < 100
    with page.expect_request(PREFLIGHT_PATTERN) as rerun:
        apply.click()
    expect(dialog.get_by_label("Node count", exact=True)).to_have_value(nodes[1])
    assert rerun.value.post_data_json["node_count"] == int(nodes[1])
    expect(create_button(dialog)).to_be_enabled()


def test_a_stale_preflight_answer_never_overwrites_a_newer_one(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("tove"))
    held: list[Route] = []

    def delay_the_first(route: Route) -> None:
        if not held:
            held.append(route)  # answered only after the second request
        else:
            route.continue_()

    page.route(PREFLIGHT_PATTERN, delay_the_first)
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    with page.expect_request(PREFLIGHT_PATTERN):
        fill_required(dialog, f"live-{unique_user('t')}")
    with page.expect_response(PREFLIGHT_PATTERN):
        dialog.get_by_label("Node count", exact=True).fill("3")
    expect(checks_list(dialog)).to_contain_text("Needs 6 vCPUs")

    stale = preflight_answer(
        ok=False,
        checks=[{"id": "vm_size", "status": "fail", "message": "STALE ANSWER", "actions": []}],
    )
    with contextlib.suppress(PlaywrightError):  # the page may have aborted it already
        held[0].fulfill(json=stale)
    page.wait_for_timeout(500)
    expect(checks_list(dialog)).not_to_contain_text("STALE ANSWER")
    expect(checks_list(dialog)).to_contain_text("Needs 6 vCPUs")
    expect(create_button(dialog)).to_be_enabled()


def test_a_failed_preflight_never_blocks_create(signed_in_page: SignedInPage) -> None:
    page = signed_in_page(unique_user("ulla"))
    page.route(PREFLIGHT_PATTERN, lambda route: route.fulfill(status=500, body="boom"))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    with page.expect_response(PREFLIGHT_PATTERN):
        fill_required(dialog, f"live-{unique_user('u')}")
    expect(dialog.get_by_test_id("preflight-note")).to_contain_text("unavailable")
    expect(checks_list(dialog).get_by_role("listitem")).to_have_count(0)
    expect(dialog.get_by_test_id("price-line")).to_have_text("Price unavailable")

    with page.expect_response("**/api/aks/provision") as answer:
        create_button(dialog).click()
    assert answer.value.status == 202
    expect(dialog).to_be_hidden()


def test_a_running_preflight_never_blocks_create(signed_in_page: SignedInPage) -> None:
    page = signed_in_page(unique_user("vera"))
    held: list[Route] = []
    page.route(PREFLIGHT_PATTERN, lambda route: held.append(route))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    with page.expect_request(PREFLIGHT_PATTERN):
        fill_required(dialog, f"live-{unique_user('v')}")
    expect(dialog.get_by_test_id("preflight-note")).to_have_text("Checking…")

    with page.expect_response("**/api/aks/provision") as answer:
        create_button(dialog).click()
    assert answer.value.status == 202
    expect(dialog).to_be_hidden()


def test_the_price_line_reads_the_preflight_cost(signed_in_page: SignedInPage) -> None:
    page = signed_in_page(unique_user("wim"))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    fill_required(dialog, f"live-{unique_user('w')}")
    expect(dialog.get_by_test_id("price-line")).to_have_text(PRICE_LINE)

    page.route(
        PREFLIGHT_PATTERN,
        lambda route: route.fulfill(
            json=preflight_answer(cost={"per_hour": 0.384, "per_month": 280.32, "currency": "USD"})
        ),
    )
    dialog.get_by_label("Node count", exact=True).fill("2")
    expect(dialog.get_by_test_id("price-line")).to_have_text("≈ $0.38/hr · $280.32/month")

    page.unroute(PREFLIGHT_PATTERN)
    page.route(PREFLIGHT_PATTERN, lambda route: route.fulfill(json=preflight_answer(cost=None)))
    dialog.get_by_label("Node count", exact=True).fill("3")
    expect(dialog.get_by_test_id("price-line")).to_have_text("Price unavailable")


def test_the_workload_pool_reaches_the_server(signed_in_page: SignedInPage) -> None:
    page = signed_in_page(unique_user("xena"))
    dialog = open_dialog(page)
    choose_region(page, dialog, QUIET_REGION)
    fill_required(dialog, f"live-{unique_user('x')}")
    expect(dialog.get_by_label("Workload VM size", exact=True)).to_have_count(0)
    dialog.get_by_label("Workload pool", exact=True).check()
    dialog.get_by_label("Workload VM size", exact=True).select_option("Standard_D4s_v5")
    with page.expect_request(PREFLIGHT_PATTERN) as checked:
        dialog.get_by_label("Workload node count", exact=True).fill("2")
    wanted = {"node_vm_size": "Standard_D4s_v5", "node_count": 2}
    assert checked.value.post_data_json["user_pool"] == wanted
    expect(checks_list(dialog)).to_contain_text("Needs 10 vCPUs")  # 1 × 2 + 2 × 4

    with page.expect_request("**/api/aks/provision") as sent:
        create_button(dialog).click()
    expect(dialog).to_be_hidden()
    request: Request = sent.value
    assert json.loads(request.post_data or "{}")["user_pool"] == wanted
    task = request.response().json()
    document = page.request.get(task["status_url"]).json()
    # The task document may not carry user_pool yet; when it does, it must be what was sent.
    if "user_pool" in document["request"]:
        assert document["request"]["user_pool"] == wanted


def test_every_control_has_its_name_and_keyboard_users_reach_the_workload_pool(
    signed_in_page: SignedInPage,
) -> None:
    page = signed_in_page(unique_user("yara"))
    dialog = open_dialog(page)
    for name in ("Preset", "Region", "Node VM size", "Kubernetes version"):
        expect(dialog.get_by_role("combobox", name=name, exact=True)).to_be_visible()
    for name in ("Cluster name", "Resource group"):
        expect(dialog.get_by_role("textbox", name=name, exact=True)).to_be_visible()
    expect(dialog.get_by_role("spinbutton", name="Node count", exact=True)).to_be_visible()

    toggle = dialog.get_by_role("checkbox", name="Workload pool", exact=True)
    expect(dialog.get_by_role("textbox", name="Cluster name", exact=True)).to_be_focused()
    for _ in range(12):
        if toggle.evaluate("node => node === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(toggle).to_be_checked()
    expect(dialog.get_by_role("combobox", name="Workload VM size", exact=True)).to_be_visible()
    expect(dialog.get_by_role("spinbutton", name="Workload node count", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("combobox", name="Workload VM size", exact=True)).to_be_focused()
