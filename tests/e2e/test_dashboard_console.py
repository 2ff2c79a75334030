"""The fleet console in headless Chromium: Your clusters as table and list, filter and natural
order, row actions from the server, details, confirmations, focus, two tabs, narrow screens.

Every state visited is checked with axe-core (no serious or critical violation); at phone
width every state is checked for sideways scrolling.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    BrowserSession,
    assert_accessible,
    assert_no_sideways_scroll,
    save_screenshot,
    unique_user,
)
from tests.stack_fixtures import LocalStack

# Minutes of waiting: this file is handed out first (tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
OPERATION_TIMEOUT_MS = 30_000


def clusters_region(page: Page) -> Locator:
    """The "Your clusters" region landmark."""
    return page.get_by_role("region", name="Your clusters")


def cluster_row(page: Page, name: str) -> Locator:
    """One cluster's row, whichever layout the window width chose."""
    return (
        clusters_region(page)
        .get_by_test_id("cluster-row")
        .filter(has=page.get_by_role("button", name=name, exact=True))
    )


def wait_for_tasks(page: Page, task_ids: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    """Poll tasks as the page's user until every one has finished."""
    deadline = time.monotonic() + timeout
    finished: dict[str, dict[str, Any]] = {}
    while len(finished) < len(task_ids):
        assert time.monotonic() < deadline, f"tasks never finished: {set(task_ids) - set(finished)}"
        for task_id in task_ids:
            if task_id not in finished:
                document = page.request.get(f"/api/tasks/{task_id}").json()
                if document["status"] in {"succeeded", "failed", "cancelled"}:
                    finished[task_id] = document
        page.wait_for_timeout(300)
    return [finished[task_id] for task_id in task_ids]


def create_clusters(page: Page, names: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Create (name, resource group) clusters as the page's user, in parallel; wait for all."""

    def start(pair: tuple[str, str]) -> str:
        response = page.request.post(
            "/api/aks/provision",
            data={"cluster_name": pair[0], "resource_group": pair[1], "region": "eastus"},
        )
        assert response.status == 202, response.text()
        return response.json()["task_id"]

    task_ids = [start(pair) for pair in names]
    return wait_for_tasks(page, task_ids)


def open_create_dialog(page: Page) -> Locator:
    """Create cluster → the dialog once its options have loaded (sizes then read "vCPU")."""
    page.get_by_role("button", name="Create cluster").click()
    dialog = page.get_by_role("dialog", name="Create AKS cluster")
    expect(dialog).to_be_visible()
    sizes = dialog.get_by_label("Node VM size", exact=True).locator("option", has_text="vCPU")
    expect(sizes).not_to_have_count(0)
    return dialog


def test_the_import_map_is_the_one_inline_script_the_policy_allows(
    local_stack: LocalStack,
) -> None:
    response = requests.get(local_stack.base_url + "/", timeout=10)
    import_map = re.search(r'<script type="importmap">(.*?)</script>', response.text, re.S)
    assert import_map, "index.html loads its libraries through an import map"
    digest = base64.b64encode(hashlib.sha256(import_map.group(1).encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"].split(";")
    script_src = next(part for part in policy if "script-src" in part)
    assert script_src.split() == ["script-src", "'self'", f"'sha256-{digest}'"]


def test_the_fleet_sorts_naturally_filters_as_you_type_and_counts(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=DESKTOP)
    user = unique_user("fleet")
    page = browser_session.sign_in(context, user)
    blue = [(f"{user}-web-{n}", "rg-blue") for n in (1, 2, 10, 11, 12, 3, 20, 21, 9)]
    green = [(f"{user}-api-{n}", "rg-green") for n in (1, 2, 10)]
    documents = create_clusters(page, blue + green)
    assert {d["status"] for d in documents} == {"succeeded"}
    stopped = page.request.post(f"/api/aks/clusters/rg-blue/{user}-web-2/stop")
    assert stopped.status == 202, stopped.text()
    wait_for_tasks(page, [stopped.json()["task_id"]])
    page.reload()

    region = clusters_region(page)
    rows = region.get_by_role("table", name="Your clusters").get_by_test_id("cluster-row")
    expect(rows).to_have_count(12)
    expected = [f"{user}-api-{n}" for n in (1, 2, 10)] + [
        f"{user}-web-{n}" for n in (1, 2, 3, 9, 10, 11, 12, 20, 21)
    ]
    assert rows.evaluate_all("rows => rows.map((row) => row.dataset.cluster)") == expected
    count = region.get_by_role("status").filter(has_text=re.compile(r"^\d+ of \d+ clusters$"))
    expect(count).to_have_text("12 of 12 clusters")
    assert_accessible(page, "twelve clusters, wide")
    region.scroll_into_view_if_needed()
    save_screenshot(page, "fleet-desktop", for_readme=True, full_page=False)

    search = region.get_by_role("searchbox", name="Filter clusters")
    search.press_sequentially("rg-green", delay=20)
    expect(count).to_have_text("3 of 12 clusters")
    expect(rows.filter(visible=True)).to_have_count(3)
    search.fill(f"{user}-web-1")
    expect(count).to_have_text("4 of 12 clusters")  # web-1, web-10, web-11, web-12
    search.fill("stopped")
    expect(count).to_have_text("1 of 12 clusters")
    expect(cluster_row(page, f"{user}-web-2")).to_be_visible()
    search.fill("eastus running")
    expect(count).to_have_text("11 of 12 clusters")
    search.fill("")
    expect(count).to_have_text("12 of 12 clusters")

    # The row's actions are the server's, in its order, each named after its cluster; a
    # disabled one says why.
    stopped_row = cluster_row(page, f"{user}-web-2")
    listed = page.request.get("/api/aks/clusters").json()["clusters"]
    server = next(c for c in listed if c["name"] == f"{user}-web-2")
    buttons = stopped_row.locator("button[data-action]")
    assert buttons.evaluate_all("nodes => nodes.map((node) => node.dataset.action)") == [
        action["kind"] for action in server["actions"]
    ]
    for action in server["actions"]:
        button = stopped_row.locator(f"button[data-action='{action['kind']}']")
        label = (button.text_content() or "").strip()  # what it reads, then which cluster
        expect(button).to_have_accessible_name(f"{label} {user}-web-2")
        if action["enabled"]:
            expect(button).to_be_enabled()
        else:
            expect(button).to_be_disabled()
            expect(button).to_have_accessible_description(action["reason"])
    start = stopped_row.get_by_role("button", name=f"Start {user}-web-2", exact=True)
    expect(start).to_be_enabled()

    # Recent attempts: the newest three, then all of them, each opening its task document.
    history = page.get_by_test_id("recent-attempts").get_by_role("listitem")
    expect(history).to_have_count(3)
    page.get_by_role("button", name="Show all attempts").click()
    expect(history).to_have_count(13)
    details = history.first.get_by_role("button", name=re.compile(r"^Details of "))
    details.click()
    document = page.get_by_role("dialog")
    expect(document).to_contain_text("Task id")
    expect(document).to_contain_text("started by you")
    assert_accessible(page, "an attempt's details")
    page.keyboard.press("Escape")
    expect(document).to_have_count(0)
    expect(details).to_be_focused()
    page.get_by_role("button", name="Show fewer attempts").click()
    expect(history).to_have_count(3)

    for viewport, state in ((TABLET, "tablet"), (PHONE, "phone")):
        page.set_viewport_size(viewport)
        items = region.get_by_role("list").get_by_role("listitem")
        expect(items).to_have_count(12)
        expect(region.get_by_role("table")).to_have_count(0)
        assert_no_sideways_scroll(page, f"twelve clusters, {state}")
        assert_accessible(page, f"twelve clusters, {state}")
    region.evaluate("node => node.scrollIntoView()")
    save_screenshot(page, "fleet-phone", for_readme=True, full_page=False)


def test_details_show_the_parts_the_server_sends_and_the_activity_newest_first(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=DESKTOP)
    user = unique_user("details")
    page = browser_session.sign_in(context, user)
    name = f"{user}-one"
    create_clusters(page, [(name, "rg-details")])
    page.reload()
    row = cluster_row(page, name)
    row.get_by_role("button", name=f"Stop {name}", exact=True).click()
    page.get_by_role("dialog", name="Stop cluster").get_by_role("button", name="Stop").click()
    expect(row.get_by_test_id("cluster-badge")).to_have_text(
        "Stopped", timeout=OPERATION_TIMEOUT_MS
    )

    opener = row.get_by_role("button", name=name, exact=True)
    opener.click()
    details = page.get_by_role("dialog", name=name)
    expect(details.get_by_role("heading", name=name, level=2)).to_be_visible()
    expect(details.get_by_role("heading", name="Node pools")).to_be_visible()
    expect(details.get_by_role("region", name="Node pools")).to_contain_text("System")
    expect(details.get_by_role("heading", name="Activity")).to_be_visible()
    activity = details.get_by_test_id("cluster-activity").get_by_role("listitem")
    expect(activity).to_have_count(2)
    expect(activity.nth(0)).to_contain_text("Stop — started by you")
    expect(activity.nth(1)).to_contain_text("Create — started by you")
    cluster = next(
        c for c in page.request.get("/api/aks/clusters").json()["clusters"] if c["name"] == name
    )
    for part, key in (("Connect", "access"), ("Cost guardrails", "guardrails")):
        expect(details.get_by_role("heading", name=part, exact=True)).to_have_count(
            1 if key in cluster else 0
        )
    assert_accessible(page, "cluster details")
    details.get_by_role("button", name="Close").click()
    expect(details).to_have_count(0)
    expect(opener).to_be_focused()


def test_each_dialog_returns_focus_to_its_opener_and_the_create_button_stays_in_view(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=DESKTOP)
    user = unique_user("focus")
    page = browser_session.sign_in(context, user)
    name = f"{user}-f"
    create_clusters(page, [(name, "rg-focus")])
    page.reload()
    row = cluster_row(page, name)

    for label, title in (
        ("Stop", "Stop cluster"),
        ("Scale", "Scale cluster"),
        ("Upgrade", "Upgrade cluster"),
        ("Delete", "Delete cluster"),
        ("Connect", f"Connect to {name}"),
    ):
        opener = row.get_by_role("button", name=f"{label} {name}", exact=True)
        opener.click()
        dialog = page.get_by_role("dialog", name=title)
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(name)
        assert_accessible(page, f"{title} dialog")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(opener).to_be_focused()

    opener = page.get_by_role("button", name="Create cluster")
    dialog = open_create_dialog(page)
    dialog.get_by_label("Workload pool", exact=True).check()
    create = dialog.get_by_role("button", name="Create", exact=True)
    expect(create).to_be_in_viewport(ratio=1)
    assert_accessible(page, "Create dialog with a workload pool")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()


def test_two_tabs_follow_a_create_from_start_to_finish_and_a_stop_from_either(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=DESKTOP)
    user = unique_user("twotabs")
    tab_a = browser_session.sign_in(context, user)
    tab_b = browser_session.open_tab(context)
    expect(tab_b.get_by_text(f"Signed in as {user}")).to_be_visible()

    name = f"{user}-ok"
    tab_a.bring_to_front()
    dialog = open_create_dialog(tab_a)
    dialog.get_by_label("Cluster name", exact=True).fill(name)
    dialog.get_by_label("Resource group", exact=True).fill("rg-tabs")
    dialog.get_by_role("button", name="Create", exact=True).click()

    attempt_b = tab_b.get_by_test_id("current-attempt")
    expect(attempt_b).to_contain_text(name, timeout=3_000)  # about a second, never a reload
    expect(attempt_b.get_by_role("button", name="Stop attempt")).to_be_visible()
    assert_accessible(tab_b, "another tab's attempt")
    ready_b = tab_b.get_by_role("status").filter(has_text=f"Cluster {name} is ready.")
    expect(ready_b).to_be_visible(timeout=OPERATION_TIMEOUT_MS)
    expect(cluster_row(tab_b, name).get_by_test_id("cluster-badge")).to_have_text("Running")
    expect(
        tab_b.get_by_test_id("recent-attempts").get_by_role("listitem").filter(has_text=name)
    ).to_contain_text("Succeeded")
    expect(tab_a.get_by_role("status").filter(has_text=f"Cluster {name} is ready.")).to_be_visible()

    slow = f"slow-{user}"
    tab_a.bring_to_front()
    dialog = open_create_dialog(tab_a)
    dialog.get_by_label("Cluster name", exact=True).fill(slow)
    dialog.get_by_label("Resource group", exact=True).fill("rg-tabs")
    dialog.get_by_role("button", name="Create", exact=True).click()
    attempt_a = tab_a.get_by_test_id("current-attempt")
    expect(attempt_a.get_by_test_id("attempt-cluster-state")).to_have_text("Creating")
    expect(attempt_b).to_contain_text(slow)
    tab_b.bring_to_front()
    attempt_b.get_by_role("button", name="Stop attempt").click()
    expect(attempt_a.get_by_role("button", name="Stop attempt")).to_be_disabled()
    for tab in (tab_a, tab_b):
        banner = tab.get_by_role("alert").filter(has_text="Last attempt stopped")
        expect(banner).to_contain_text(slow, timeout=OPERATION_TIMEOUT_MS)
    assert_accessible(tab_a, "stopped banner in the tab that started it")


def test_a_retry_under_another_name_clears_the_banner_in_every_tab(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=DESKTOP)
    user = unique_user("retry")
    tab_a = browser_session.sign_in(context, user)
    tab_b = browser_session.open_tab(context)
    failed = f"quota-{user}"
    tab_a.bring_to_front()
    dialog = open_create_dialog(tab_a)
    dialog.get_by_label("Cluster name", exact=True).fill(failed)
    dialog.get_by_label("Resource group", exact=True).fill("rg-retry")
    dialog.get_by_role("button", name="Create", exact=True).click()
    for tab in (tab_a, tab_b):
        expect(tab.get_by_role("alert").filter(has_text="Last attempt failed")).to_contain_text(
            failed, timeout=OPERATION_TIMEOUT_MS
        )

    tab_a.get_by_role("alert").get_by_role("button", name="Edit & retry").click()
    dialog = tab_a.get_by_role("dialog", name="Create AKS cluster")
    renamed = f"ok-{user}"
    with tab_a.expect_request("**/api/aks/provision") as sent:
        dialog.get_by_label("Cluster name", exact=True).fill(renamed)
        dialog.get_by_role("button", name="Create", exact=True).click()
        expect(dialog).to_have_count(0)
    assert sent.value.post_data_json["retry_of"]
    ready = tab_a.get_by_role("status").filter(has_text=f"Cluster {renamed} is ready.")
    expect(ready).to_be_visible(timeout=OPERATION_TIMEOUT_MS)
    for tab in (tab_a, tab_b):
        expect(tab.get_by_role("alert")).to_have_count(0)
    assert tab_a.request.get("/api/aks/recent-failed-provisions").json()["jobs"] == []


def test_a_failed_cluster_deleted_from_its_row_leaves_every_tab_and_every_phone_state_fits(
    browser_session: BrowserSession,
) -> None:
    context = browser_session.new_context(viewport=PHONE)
    user = unique_user("phone")
    tab_a = browser_session.sign_in(context, user)
    tab_b = browser_session.open_tab(context)
    name = f"fail-{user}"
    tab_a.bring_to_front()
    assert_no_sideways_scroll(tab_a, "idle, phone")
    dialog = open_create_dialog(tab_a)
    assert_no_sideways_scroll(tab_a, "Create dialog, phone")
    expect(dialog.get_by_role("button", name="Create", exact=True)).to_be_in_viewport(ratio=1)
    dialog.get_by_label("Cluster name", exact=True).fill(name)
    dialog.get_by_label("Resource group", exact=True).fill("rg-phone")
    dialog.get_by_role("button", name="Create", exact=True).click()

    banner_a = tab_a.get_by_role("alert").filter(has_text="Last attempt failed")
    expect(banner_a).to_contain_text(name, timeout=OPERATION_TIMEOUT_MS)
    expect(tab_b.get_by_role("alert").filter(has_text="Last attempt failed")).to_contain_text(name)
    banner_a.get_by_text("Full error message").click()
    assert_no_sideways_scroll(tab_a, "failure banner, phone")
    assert_accessible(tab_a, "failure banner, phone")
    save_screenshot(tab_a, "phone-failed-with-banner", for_readme=True)

    row = cluster_row(tab_a, name)
    expect(row.get_by_test_id("cluster-badge")).to_have_text("Failed")
    expect(row.get_by_role("button", name=f"Scale {name}", exact=True)).to_be_disabled()
    delete = row.get_by_role("button", name=f"Delete {name}", exact=True)
    expect(delete).to_be_enabled()
    for label, title in (("Connect", f"Connect to {name}"), ("Delete", "Delete cluster")):
        row.get_by_role("button", name=f"{label} {name}", exact=True).click()
        opened = tab_a.get_by_role("dialog", name=title)
        expect(opened).to_be_visible()
        assert_no_sideways_scroll(tab_a, f"{title} dialog, phone")
        assert_accessible(tab_a, f"{title} dialog, phone")
        if label == "Delete":
            break
        tab_a.keyboard.press("Escape")
    confirm = tab_a.get_by_role("dialog", name="Delete cluster")
    confirm.get_by_label("Type the cluster name to confirm").fill(name)
    confirm.get_by_role("button", name="Delete", exact=True).click()
    expect(row).to_be_focused()
    expect(row).to_have_count(0, timeout=OPERATION_TIMEOUT_MS)
    for tab in (tab_a, tab_b):
        expect(tab.get_by_role("alert")).to_have_count(0)
        expect(cluster_row(tab, name)).to_have_count(0)
    assert tab_a.evaluate("() => document.activeElement !== document.body")
    assert_no_sideways_scroll(tab_a, "after the delete, phone")
