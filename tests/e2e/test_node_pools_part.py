"""A cluster's Node pools part in headless Chromium against the local stack: add a pool,
autoscale it (Scale gives way to Autoscale), delete it with type-to-confirm; the server's
refusals in place (a 400 next to its field, pool_exists, last_system_pool, quota_exceeded
with its link); a second tab follows.

Every state is checked at 1280×800 and 390×844: focus, axe-core and no sideways scroll.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import BrowserSession, save_screenshot, unique_user
from tests.e2e.dashboard_helpers import (
    DESKTOP,
    OPERATION_TIMEOUT_MS,
    PHONE,
    check_state,
    cluster_row,
    create_cluster,
    each_viewport,
    listed_cluster,
    open_details,
    row_button,
    wait_for_task,
)

pytestmark = pytest.mark.browser

GROUP = "rg-pools"


def pool_item(details: Locator, pool: str) -> Locator:
    """One pool of the Node pools part."""
    return details.locator(f'[data-testid="node-pool"][data-pool="{pool}"]')


def pool_button(details: Locator, label: str, pool: str, cluster: str) -> Locator:
    """A pool's button, named after the pool and the cluster ("Delete pool user1 of web-1")."""
    noun = "" if label == "Delete pool" else " pool"
    return details.get_by_role("button", name=f"{label}{noun} {pool} of {cluster}", exact=True)


def wait_until_settled(page: Page, name: str) -> None:
    """The row is back to Running with no operation (the list caught up)."""
    row = cluster_row(page, name)
    expect(row.get_by_test_id("cluster-progress")).to_have_text("", timeout=OPERATION_TIMEOUT_MS)
    expect(row.get_by_test_id("cluster-badge")).to_have_text("Running")


def submitted(dialog: Locator, label: str) -> None:
    """Press the dialog's submit button and see the dialog close."""
    dialog.get_by_role("button", name=label, exact=True).click()
    expect(dialog).to_have_count(0)


def pools_of(page: Page, name: str) -> dict[str, dict[str, Any]]:
    """The cluster's pools as the server lists them, by name."""
    return {pool["name"]: pool for pool in listed_cluster(page, name)["node_pools"]}


@pytest.mark.slow
def test_add_autoscale_and_delete_a_pool_with_every_refusal_in_place(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=DESKTOP)
    user = unique_user("pools")
    page = browser_session.sign_in(context, user)
    name = f"{user}-p"
    create_cluster(page, name, GROUP)
    page.reload()
    other_tab = browser_session.open_tab(context)
    page.bring_to_front()

    # The row's Node pools action opens the details at that part.
    row_button(page, name, "Node pools").click()
    details = page.get_by_role("dialog", name=name)
    expect(details.get_by_role("heading", name="Node pools")).to_be_focused()
    system = pool_item(details, "system")
    expect(system).to_contain_text("System")
    expect(system).to_contain_text("1 node")
    expect(pool_button(details, "Scale", "system", name)).to_be_enabled()
    for label, phone in each_viewport(page):
        check_state(page, f"details with one pool, {label}", phone)
    page.set_viewport_size(DESKTOP)

    # Add node pool: the form's own checks, then the server's 400 next to the field it names.
    opener = details.get_by_role("button", name="Add node pool", exact=True)
    opener.click()
    add = page.get_by_role("dialog", name="Add node pool")
    expect(add.get_by_label("Pool name")).to_be_focused()
    add.get_by_label("Pool name").fill("Bad-Name")
    add.get_by_role("button", name="Add", exact=True).click()
    expect(add.get_by_label("Pool name")).to_have_attribute("aria-invalid", "true")
    expect(add.get_by_label("Pool name")).to_be_focused()
    add.get_by_label("Pool name").fill("user1")
    expect(add.get_by_label("VM size").locator("option", has_text="vCPU")).not_to_have_count(0)
    add.get_by_label("Autoscale").check()
    add.get_by_label("Minimum nodes").fill("4")
    add.get_by_label("Maximum nodes").fill("2")
    add.get_by_role("button", name="Add", exact=True).click()
    minimum = add.get_by_label("Minimum nodes")
    expect(minimum).to_have_attribute("aria-invalid", "true")
    expect(minimum).to_have_accessible_description(re.compile("min"))
    expect(minimum).to_be_focused()
    for label, phone in each_viewport(page):
        check_state(page, f"Add node pool with a server 400, {label}", phone)
    page.set_viewport_size(DESKTOP)
    add.get_by_label("Autoscale").uncheck()
    add.get_by_label("Node count").fill("1")
    submitted(add, "Add")

    status = details.get_by_test_id("pools-status")
    expect(status).to_be_focused()  # submitting moves focus to the status it started
    expect(status).to_contain_text("Updating")
    expect(cluster_row(page, name).get_by_test_id("cluster-badge")).to_have_text("Updating")
    expect(cluster_row(other_tab, name).get_by_test_id("cluster-progress")).to_contain_text(
        "Updating"
    )  # the other tab follows without a reload
    expect(pool_button(details, "Scale", "system", name)).to_be_disabled()
    wait_until_settled(page, name)
    user1 = pool_item(details, "user1")
    expect(user1).to_contain_text("User")
    expect(user1).to_contain_text("1 node")
    assert pools_of(page, name)["user1"]["mode"] == "User"

    # The same name again: 409 pool_exists, as text above the fields.
    opener.click()
    add = page.get_by_role("dialog", name="Add node pool")
    add.get_by_label("Pool name").fill("user1")
    add.get_by_role("button", name="Add", exact=True).click()
    expect(add.get_by_role("alert")).to_contain_text("user1")
    # More nodes than the region's vCPU quota holds: 409 quota_exceeded with its link.
    add.get_by_label("Pool name").fill("big1")
    add.get_by_label("VM size").select_option("Standard_D16s_v5")
    add.get_by_label("Node count").fill("100")
    add.get_by_role("button", name="Add", exact=True).click()
    quota = add.get_by_role("alert")
    expect(quota).to_contain_text("vCPU")
    expect(quota.get_by_role("link", name="Request quota increase")).to_have_attribute(
        "href", re.compile(r"^https://")
    )
    for label, phone in each_viewport(page):
        check_state(page, f"Add node pool refused for quota, {label}", phone)
    page.set_viewport_size(DESKTOP)
    add.get_by_role("button", name="Cancel").click()
    expect(add).to_have_count(0)
    expect(opener).to_be_focused()

    # Autoscale user1: its Scale gives way to Autoscale.
    pool_button(details, "Autoscale", "user1", name).click()
    autoscale = page.get_by_role("dialog", name="Autoscale node pool")
    autoscale.get_by_label("Minimum nodes").fill("1")
    autoscale.get_by_label("Maximum nodes").fill("3")
    submitted(autoscale, "Save")
    expect(status).to_be_focused()
    wait_until_settled(page, name)
    expect(user1).to_contain_text("autoscale 1–3", timeout=OPERATION_TIMEOUT_MS)
    expect(pool_button(details, "Scale", "user1", name)).to_have_count(0)
    expect(pool_button(details, "Autoscale", "user1", name)).to_be_enabled()
    expect(pool_button(details, "Scale", "system", name)).to_be_enabled()
    assert pools_of(page, name)["user1"]["autoscale"] == {"min": 1, "max": 3}
    for label, phone in each_viewport(page):
        check_state(page, f"details with an autoscaled pool, {label}", phone)
        if phone:
            details.get_by_role("heading", name="Node pools").scroll_into_view_if_needed()
            save_screenshot(page, "node-pools-phone", for_readme=True, full_page=False)
    page.set_viewport_size(DESKTOP)

    # The only System pool stays: 409 last_system_pool, as text.
    pool_button(details, "Delete pool", "system", name).click()
    refuse = page.get_by_role("dialog", name="Delete node pool")
    refuse.get_by_label("Type the pool name to confirm").fill("system")
    refuse.get_by_role("button", name="Delete", exact=True).click()
    expect(refuse.get_by_role("alert")).to_contain_text("System pool")
    page.keyboard.press("Escape")
    expect(refuse).to_have_count(0)
    expect(pool_button(details, "Delete pool", "system", name)).to_be_focused()

    # Delete pool user1: type-to-confirm.
    pool_button(details, "Delete pool", "user1", name).click()
    confirm = page.get_by_role("dialog", name="Delete node pool")
    field = confirm.get_by_label("Type the pool name to confirm")
    delete = confirm.get_by_role("button", name="Delete", exact=True)
    expect(delete).to_be_disabled()
    field.fill("USER1")
    expect(delete).to_be_disabled()
    field.fill("user1")
    expect(delete).to_be_enabled()
    for label, phone in each_viewport(page):
        check_state(page, f"Delete node pool dialog, {label}", phone)
    page.set_viewport_size(DESKTOP)
    submitted(confirm, "Delete")
    expect(status).to_be_focused()
    expect(user1).to_have_count(0, timeout=OPERATION_TIMEOUT_MS)
    wait_until_settled(page, name)
    assert set(pools_of(page, name)) == {"system"}

    activity = details.get_by_test_id("cluster-activity").get_by_role("listitem")
    expect(activity.nth(0)).to_contain_text("Delete node pool — started by you")
    expect(activity.nth(1)).to_contain_text("Autoscale node pool — started by you")


def test_a_stopped_cluster_says_why_its_pools_cannot_change(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=PHONE)
    user = unique_user("poolstop")
    page = browser_session.sign_in(context, user)
    name = f"{user}-s"
    create_cluster(page, name, GROUP)
    stopped = page.request.post(f"/api/aks/clusters/{GROUP}/{name}/stop")
    assert stopped.status == 202, stopped.text()
    assert wait_for_task(page, stopped.json()["task_id"])["status"] == "succeeded"
    page.reload()
    expect(cluster_row(page, name).get_by_test_id("cluster-badge")).to_have_text("Stopped")
    server = next(a for a in listed_cluster(page, name)["actions"] if a["kind"] == "node_pools")
    assert server["enabled"] is False

    details = open_details(page, name)
    add = details.get_by_role("button", name="Add node pool", exact=True)
    expect(add).to_be_disabled()
    expect(add).to_have_accessible_description(server["reason"])
    scale = pool_button(details, "Scale", "system", name)
    expect(scale).to_be_disabled()
    expect(scale).to_have_accessible_description(server["reason"])
    add.click(force=True)
    expect(page.get_by_role("dialog", name="Add node pool")).to_have_count(0)
    check_state(page, "details of a stopped cluster, phone", phone=True)
