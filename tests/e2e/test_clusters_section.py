""" "Your clusters" in headless Chromium against the local stack: list, lifecycle, two tabs."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import BrowserSession, assert_accessible, save_screenshot, unique_user

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESOURCE_GROUP = "rg-yours"
OPERATION_TIMEOUT_MS = 30_000


def clusters_region(page: Page) -> Locator:
    """The "Your clusters" region landmark."""
    return page.get_by_role("region", name="Your clusters")


def cluster_row(page: Page, name: str) -> Locator:
    """The row of one cluster (a table row here: the default window is wide)."""
    return (
        clusters_region(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("button", name=name, exact=True))
    )


def row_button(row: Locator, label: str) -> Locator:
    """A row's action button: its accessible name is the action and the cluster's name."""
    name = row.get_attribute("data-cluster")
    return row.get_by_role("button", name=f"{label} {name}", exact=True)


def stop_from_row(page: Page, row: Locator) -> None:
    """Stop, confirmed in the Stop cluster dialog."""
    row_button(row, "Stop").click()
    dialog = page.get_by_role("dialog", name="Stop cluster")
    dialog.get_by_role("button", name="Stop", exact=True).click()
    expect(dialog).to_have_count(0)


def wait_for_task(page: Page, task_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll a task as the page's user until it finishes (server state, no DOM to wait on)."""
    deadline = time.monotonic() + timeout
    while True:
        response = page.request.get(f"/api/tasks/{task_id}")
        # 404: accepted while storage was slow, the first activity writes the row (README).
        assert response.status in (200, 404), response.text()
        document = response.json() if response.status == 200 else {"status": "not written"}
        if document["status"] in {"succeeded", "failed", "cancelled"}:
            return document
        assert time.monotonic() < deadline, f"task never finished: {document}"
        page.wait_for_timeout(200)


def created_cluster(page: Page, prefix: str = "yours-") -> str:
    """Create a cluster as the page's user through the API, wait for it, reload the page."""
    name = unique_user(prefix)
    response = page.request.post(
        "/api/aks/provision",
        data={"cluster_name": name, "resource_group": RESOURCE_GROUP, "region": "eastus"},
    )
    assert response.status == 202, response.text()
    assert wait_for_task(page, response.json()["task_id"])["status"] == "succeeded"
    page.reload()
    return name


def test_the_section_is_a_region_named_by_its_heading(
    signed_in_page: Any,
) -> None:
    page = signed_in_page(unique_user("region"))

    region = clusters_region(page)

    expect(region).to_be_visible()
    expect(region.get_by_role("heading", name="Your clusters", level=2)).to_be_visible()
    expect(region.get_by_role("table", name="Your clusters")).to_be_attached()


def test_a_cluster_created_through_the_api_is_listed_running_with_its_actions(
    signed_in_page: Any,
) -> None:
    page = signed_in_page(unique_user("listed"))
    name = created_cluster(page)

    row = cluster_row(page, name)

    expect(row).to_be_visible()
    expect(row.get_by_test_id("cluster-badge")).to_have_text("Running")
    expect(row).to_contain_text(RESOURCE_GROUP)
    expect(row).to_contain_text("eastus")
    portal = row.get_by_role("link", name="Open in Azure portal")
    expect(portal).to_have_attribute("target", "_blank")
    expect(portal).to_have_attribute("rel", "noopener")
    expect(portal).to_have_attribute("href", re.compile(r"^https://portal\.azure\.com/"))
    for label in ("Connect", "Stop", "Scale", "Upgrade", "Delete"):
        expect(row_button(row, label)).to_be_enabled()
    expect(row_button(row, "Start")).to_have_count(0)
    assert_accessible(page, "a running cluster")
    save_screenshot(page, "your-clusters")


def test_stop_shows_progress_disables_actions_and_ends_stopped_with_start(
    signed_in_page: Any,
) -> None:
    page = signed_in_page(unique_user("stop"))
    name = created_cluster(page)
    row = cluster_row(page, name)

    stop_from_row(page, row)

    expect(row).to_be_focused()  # submitting moves focus to the row it started
    expect(row.get_by_test_id("cluster-badge")).to_have_text("Stopping")
    expect(row.get_by_test_id("cluster-progress")).to_contain_text("Stopping")
    for label in ("Scale", "Upgrade", "Delete"):
        expect(row_button(row, label)).to_be_disabled()
    expect(row.get_by_test_id("cluster-badge")).to_have_text(
        "Stopped", timeout=OPERATION_TIMEOUT_MS
    )
    expect(row_button(row, "Start")).to_be_enabled()
    expect(row_button(row, "Stop")).to_have_count(0)
    expect(row.get_by_test_id("cluster-progress")).to_have_text("")


def test_delete_needs_the_exact_name_and_the_cluster_leaves_the_list(
    signed_in_page: Any,
) -> None:
    page = signed_in_page(unique_user("delete"))
    name = created_cluster(page)
    row = cluster_row(page, name)

    row_button(row, "Delete").click()
    dialog = page.get_by_role("dialog", name="Delete cluster")
    expect(dialog).to_be_visible()
    confirm = dialog.get_by_label("Type the cluster name to confirm")
    delete = dialog.get_by_role("button", name="Delete", exact=True)
    expect(delete).to_be_disabled()
    confirm.fill(name.upper())
    expect(delete).to_be_disabled()
    confirm.fill(name[:-1])
    expect(delete).to_be_disabled()
    confirm.fill(name)
    expect(delete).to_be_enabled()
    assert_accessible(page, "Delete cluster dialog")
    delete.click()

    expect(dialog).to_be_hidden()
    expect(row.get_by_test_id("cluster-badge")).to_have_text("Deleting")
    expect(row).to_have_count(0, timeout=OPERATION_TIMEOUT_MS)
    # The focused row went away: focus lands on the section, never on <body>.
    expect(clusters_region(page).get_by_role("heading", name="Your clusters")).to_be_focused()


def test_an_operation_started_in_one_tab_shows_in_the_other_without_reload(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context()
    tab_a = browser_session.sign_in(context, unique_user("tabs"))
    name = created_cluster(tab_a)
    tab_b = browser_session.open_tab(context)
    expect(cluster_row(tab_b, name).get_by_test_id("cluster-badge")).to_have_text("Running")

    tab_a.bring_to_front()
    stop_from_row(tab_a, cluster_row(tab_a, name))

    row_b = cluster_row(tab_b, name)
    expect(row_b.get_by_test_id("cluster-badge")).to_have_text("Stopping")
    expect(row_button(row_b, "Scale")).to_be_disabled()
    expect(row_b.get_by_test_id("cluster-badge")).to_have_text(
        "Stopped", timeout=OPERATION_TIMEOUT_MS
    )
    expect(row_button(row_b, "Start")).to_be_enabled()


def stop_behind_the_pages_back(page: Page, name: str) -> None:
    """Stop the cluster through the API (another device) and wait until it is stopped."""
    stopped = page.request.post(f"/api/aks/clusters/{RESOURCE_GROUP}/{name}/stop")
    assert stopped.status == 202, stopped.text()
    assert wait_for_task(page, stopped.json()["task_id"])["status"] == "succeeded"


def test_a_refused_stop_shows_the_servers_reason_and_the_row_catches_up(
    signed_in_page: Any,
) -> None:
    page = signed_in_page(unique_user("refusedrow"))
    name = created_cluster(page)
    row = cluster_row(page, name)
    expect(row_button(row, "Stop")).to_be_enabled()
    stop_behind_the_pages_back(page, name)

    row_button(row, "Stop").click()
    dialog = page.get_by_role("dialog", name="Stop cluster")
    dialog.get_by_role("button", name="Stop", exact=True).click()

    expect(dialog.get_by_test_id("cluster-dialog-error")).to_contain_text(re.compile(r"\w"))
    expect(row.get_by_test_id("cluster-badge")).to_have_text("Stopped")  # the list was re-read
    dialog.get_by_role("button", name="Cancel").click()
    expect(row_button(row, "Start")).to_be_enabled()
    expect(row_button(row, "Stop")).to_have_count(0)


def test_a_refused_scale_shows_the_servers_reason_in_the_dialog(signed_in_page: Any) -> None:
    page = signed_in_page(unique_user("refused"))
    name = created_cluster(page)
    row = cluster_row(page, name)
    row_button(row, "Scale").click()
    dialog = page.get_by_role("dialog", name="Scale cluster")
    dialog.get_by_label("Node count").fill("3")

    stop_behind_the_pages_back(page, name)
    dialog.get_by_role("button", name="Scale", exact=True).click()

    error = dialog.get_by_test_id("cluster-dialog-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("stopped")
    expect(dialog).to_be_visible()
