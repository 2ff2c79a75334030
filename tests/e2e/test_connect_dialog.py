"""Connect in headless Chromium against the local stack: the commands with Copy, Download
kubeconfig (and its refusal), and the Grant access warning a create can leave.

Every state is checked at 1280×800 and 390×844: focus, axe-core and no sideways scroll.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

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

CLIPBOARD = ["clipboard-read", "clipboard-write"]


def signed_in(browser_session: BrowserSession, prefix: str) -> tuple[Page, str]:
    """A page signed in as a fresh user whose clipboard the page may use."""
    context = browser_session.new_context(viewport=DESKTOP, permissions=CLIPBOARD)
    user = unique_user(prefix)
    return browser_session.sign_in(context, user), user


def clipboard(page: Page) -> str:
    """What the page put on the clipboard."""
    return str(page.evaluate("() => navigator.clipboard.readText()"))


def test_connect_lists_the_servers_commands_each_copyable_and_downloads_the_kubeconfig(
    browser_session: BrowserSession,
) -> None:
    page, user = signed_in(browser_session, "connect")
    name = f"{user}-c"
    create_cluster(page, name, "rg-connect")
    page.reload()
    access = listed_cluster(page, name)["access"]
    assert access["kubeconfig"] is True and len(access["commands"]) == 2

    for label, phone in each_viewport(page):
        opener = row_button(page, name, "Connect")
        opener.click()
        dialog = page.get_by_role("dialog", name=f"Connect to {name}")
        expect(dialog).to_be_visible()
        commands = dialog.get_by_test_id("command")
        expect(commands).to_have_count(2)
        for index, command in enumerate(access["commands"]):
            expect(commands.nth(index).locator("code")).to_have_text(command)

        copy = dialog.get_by_role("button", name="Copy command 2", exact=True)
        copy.click()
        expect(commands.nth(1).get_by_role("status")).to_have_text("Copied")
        assert clipboard(page) == access["commands"][1]
        dialog.get_by_role("button", name="Copy command 1", exact=True).click()
        expect(commands.nth(0).get_by_role("status")).to_have_text("Copied")
        assert clipboard(page) == access["commands"][0]
        check_state(page, f"Connect dialog, copied, {label}", phone)

        with page.expect_download() as download:
            dialog.get_by_role("link", name="Download kubeconfig").click()
        assert download.value.suggested_filename == f"{name}.kubeconfig"
        kubeconfig = open(download.value.path(), encoding="utf-8").read()
        assert "kubelogin" in kubeconfig and "client-certificate-data" not in kubeconfig
        expect(dialog.get_by_test_id("kubeconfig-status")).to_have_text(
            f"Downloaded {name}.kubeconfig"
        )
        if phone:
            save_screenshot(page, "connect-phone", for_readme=True, full_page=False)
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(opener).to_be_focused()


def test_a_refused_download_shows_the_servers_message_as_text(
    browser_session: BrowserSession,
) -> None:
    page, user = signed_in(browser_session, "norun")
    name = f"{user}-s"
    create_cluster(page, name, "rg-connect")
    page.reload()
    row_button(page, name, "Connect").click()
    dialog = page.get_by_role("dialog", name=f"Connect to {name}")
    expect(dialog.get_by_role("link", name="Download kubeconfig")).to_be_visible()

    stopped = page.request.post(f"/api/aks/clusters/rg-connect/{name}/stop")  # another device
    assert stopped.status == 202, stopped.text()
    assert wait_for_task(page, stopped.json()["task_id"])["status"] == "succeeded"
    direct = page.request.get(f"/api/aks/clusters/rg-connect/{name}/kubeconfig")
    assert direct.status == 409
    dialog.get_by_role("link", name="Download kubeconfig").click()

    error = dialog.get_by_role("alert")
    expect(error).to_have_text(direct.json()["error"]["message"])
    check_state(page, "Connect dialog, download refused", phone=False)
    page.set_viewport_size(PHONE)
    check_state(page, "Connect dialog, download refused, phone", phone=True)


def test_a_local_accounts_cluster_offers_the_command_and_no_download(
    browser_session: BrowserSession,
) -> None:
    page, user = signed_in(browser_session, "local")
    name = f"{user}-l"
    create_cluster(page, name, "rg-connect", access="local")
    page.reload()
    access = listed_cluster(page, name)["access"]
    assert access["kubeconfig"] is False

    row_button(page, name, "Connect").click()
    dialog = page.get_by_role("dialog", name=f"Connect to {name}")
    expect(dialog.get_by_test_id("command")).to_have_count(len(access["commands"]))
    expect(dialog.get_by_role("link", name="Download kubeconfig")).to_have_count(0)
    check_state(page, "Connect dialog, local accounts", phone=False)


def grant_panel(scope: Any) -> Any:
    """The Grant access warning inside `scope`."""
    return scope.get_by_test_id("grant-access")


def test_a_create_that_could_not_grant_access_succeeds_with_a_warning_and_the_commands(
    browser_session: BrowserSession,
) -> None:
    page, user = signed_in(browser_session, "grant")
    name = f"{user}-g"
    group = f"contributor-{user}"  # the app may create here, not assign roles
    page.get_by_role("button", name="Create cluster").click()
    dialog = page.get_by_role("dialog", name="Create AKS cluster")
    dialog.get_by_label("Cluster name", exact=True).fill(name)
    dialog.get_by_label("Resource group", exact=True).fill(group)
    dialog.get_by_role("button", name="Create", exact=True).click()
    expect(dialog).to_have_count(0)

    ready = page.get_by_role("status").filter(has_text=f"Cluster {name} is ready.")
    expect(ready).to_be_visible(timeout=OPERATION_TIMEOUT_MS)
    warning = grant_panel(page.get_by_test_id("cluster-card"))
    task = next(
        job
        for job in page.request.get("/api/aks/provisions").json()["jobs"]
        if job["request"]["cluster_name"] == name
    )
    assert task["status"] == "succeeded" and task["warning"], task
    expect(warning).to_contain_text(task["warning"]["message"])
    expect(page.get_by_role("alert")).to_have_count(0)  # a warning, never "Last attempt failed"
    grant = warning.get_by_role("button", name="Grant access")
    expect(grant).to_have_attribute("aria-expanded", "false")
    (action,) = [a for a in task["warning"]["actions"] if a["kind"] == "grant_access"]
    expect(warning.get_by_test_id("command").first).to_be_hidden()

    for label, phone in each_viewport(page):
        if grant.get_attribute("aria-expanded") == "false":
            grant.click()
        expect(grant).to_have_attribute("aria-expanded", "true")
        commands = warning.get_by_test_id("command")
        expect(commands).to_have_count(len(action["commands"]))
        expect(commands.first.locator("code")).to_have_text(action["commands"][0])
        if action.get("url"):
            link = warning.get_by_role("link", name="Open access control in Azure portal")
            expect(link).to_have_attribute("href", action["url"])
        warning.get_by_role("button", name="Copy command 1").click()
        expect(commands.first.get_by_role("status")).to_have_text("Copied")
        assert clipboard(page) == action["commands"][0]
        check_state(page, f"create succeeded with a Grant access warning, {label}", phone)
    if phone:
        save_screenshot(page, "grant-access-phone")

    # The cluster's Connect part and dialog carry the same warning on every later visit.
    page.set_viewport_size(DESKTOP)
    page.reload()
    expect(cluster_row(page, name)).to_be_visible()
    details = open_details(page, name)
    expect(grant_panel(details)).to_contain_text(task["warning"]["message"])
    page.keyboard.press("Escape")
    row_button(page, name, "Connect").click()
    connect = page.get_by_role("dialog", name=f"Connect to {name}")
    expect(grant_panel(connect)).to_contain_text(task["warning"]["message"])
    check_state(page, "Connect dialog with a Grant access warning", phone=False)
