"""Cost guardrails in headless Chromium against the local stack (one-second guardrail
minutes): the details' form saves and shows the server's 400 next to the field it names,
the row shows the price, the next automatic action and Extend, and an automatic stop reads
the server's sentence in Activity and Recent attempts.

Every state is checked at 1280×800 and 390×844: focus, axe-core and no sideways scroll.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import BrowserSession, save_screenshot, unique_user
from tests.e2e.dashboard_helpers import (
    DESKTOP,
    OPERATION_TIMEOUT_MS,
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

GROUP = "rg-guardui"
BROWSER_ZONE = "Europe/Berlin"


def guarded_page(browser_session: BrowserSession, prefix: str) -> tuple[Page, str]:
    """A signed-in page in a known browser time zone, with one running cluster."""
    context = browser_session.new_context(viewport=DESKTOP, timezone_id=BROWSER_ZONE)
    user = unique_user(prefix)
    page = browser_session.sign_in(context, user)
    name = f"{user}-g"
    create_cluster(page, name, GROUP)
    page.reload()
    expect(cluster_row(page, name)).to_be_visible()
    return page, name


def guardrails_form(details: Locator) -> Locator:
    """The Cost guardrails part's form."""
    return details.get_by_role("region", name="Cost guardrails").get_by_test_id("guardrails-form")


def save(page: Page, form: Locator) -> Any:
    """Press Save guardrails; the server's answer."""
    with page.expect_response(re.compile(r"/guardrails$")) as answer:
        form.get_by_role("button", name="Save guardrails").click()
    return answer.value


def next_action(page: Page, name: str) -> Locator:
    """The row's next guardrail action."""
    return cluster_row(page, name).get_by_test_id("next-action")


def test_the_form_saves_validates_and_the_row_shows_price_next_action_and_extend(
    browser_session: BrowserSession,
) -> None:
    page, name = guarded_page(browser_session, "guardui")
    cluster = listed_cluster(page, name)
    assert cluster["guardrails"] is None
    per_hour = cluster["cost"]["per_hour"]
    expect(cluster_row(page, name)).to_contain_text(f"≈ ${per_hour:.2f}/hr")
    expect(next_action(page, name)).to_have_count(0)

    # The row's Guardrails action opens the details at that part.
    row_button(page, name, "Guardrails").click()
    details = page.get_by_role("dialog", name=name)
    expect(details.get_by_role("heading", name="Cost guardrails")).to_be_focused()
    form = guardrails_form(details)
    idle = form.get_by_label("Auto-stop when idle")
    expect(idle.locator("option")).to_have_text(
        ["Off", "15 min", "30 min", "1 hour", "2 hours", "4 hours", "8 hours"]
    )
    expect(idle).to_have_value("")
    saved = cluster["cost"]["saved_this_month"]
    expect(form.get_by_test_id("guardrails-savings")).to_have_text(
        f"Saved ≈ ${saved:.2f} this month"
    )

    # Working hours with a zone the server does not know: its 400 next to Time zone.
    form.get_by_label("Working hours").check()
    days = form.get_by_role("group", name="Days")
    expect(days.get_by_role("checkbox")).to_have_count(7)
    zone = form.get_by_label("Time zone")
    expect(zone).to_have_value(BROWSER_ZONE)  # the browser's by default
    zone.fill("Mars/Olympus")
    answer = save(page, form)
    assert answer.status == 400 and answer.json()["error"]["field"] == "schedule.timezone"
    expect(zone).to_have_attribute("aria-invalid", "true")
    expect(zone).to_have_accessible_description(re.compile(r"schedule\.timezone"))
    expect(zone).to_be_focused()
    for label, phone in each_viewport(page):
        check_state(page, f"guardrails with a server 400, {label}", phone)
        if phone:
            zone.scroll_into_view_if_needed()
            save_screenshot(page, "guardrails-error-phone", for_readme=True, full_page=False)
    page.set_viewport_size(DESKTOP)

    # A Delete on further out than the server allows: its 400 next to Delete on.
    form.get_by_label("Working hours").uncheck()
    too_late = datetime.now() + timedelta(days=120)
    form.get_by_label("Delete on").fill(too_late.strftime("%Y-%m-%dT%H:%M"))
    answer = save(page, form)
    assert answer.status == 400 and answer.json()["error"]["field"] == "expires_at"
    expect(form.get_by_label("Delete on")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Delete on")).to_be_focused()

    # Working hours in UTC, the stop a few hours out: the row says when, in that zone.
    form.get_by_label("Delete on").fill("")
    form.get_by_label("Working hours").check()
    stop_at = (datetime.now(UTC) + timedelta(hours=3)).strftime("%H:00")
    start_at = (datetime.now(UTC) + timedelta(hours=4)).strftime("%H:00")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        days.get_by_label(day, exact=True).check()
    form.get_by_label("Start", exact=True).fill(start_at)
    form.get_by_label("Stop", exact=True).fill(stop_at)
    zone.fill("UTC")
    answer = save(page, form)
    assert answer.status == 200, answer.text()
    assert answer.json()["next_action"]["kind"] == "stop"
    expect(form.get_by_test_id("guardrails-saved")).to_have_text("Guardrails saved.")
    expect(next_action(page, name)).to_have_text(f"Stops at {stop_at}")
    expect(row_button(page, name, "Extend")).to_have_count(0)  # three hours out: no Extend yet

    # Auto-stop when idle, 8 hours (eight seconds a minute here): the countdown and Extend.
    form.get_by_label("Working hours").uncheck()
    idle.select_option(label="8 hours")
    answer = save(page, form)
    assert answer.status == 200, answer.text()
    assert answer.json()["idle_stop_minutes"] == 480
    expect(next_action(page, name)).to_have_text(re.compile(r"^Auto-stop in \d+ min$"))
    page.keyboard.press("Escape")
    expect(details).to_have_count(0)

    extend = row_button(page, name, "Extend")
    for label, phone in each_viewport(page):
        expect(extend).to_be_visible()
        check_state(page, f"row with Extend, {label}", phone)
        if phone:
            cluster_row(page, name).scroll_into_view_if_needed()
            save_screenshot(page, "guardrails-row-phone", for_readme=True, full_page=False)
    page.set_viewport_size(DESKTOP)
    with page.expect_request(re.compile(r"/guardrails/extend$")) as sent:
        extend.click()
    assert sent.value.post_data_json == {"minutes": 60}
    assert sent.value.response() is not None and sent.value.response().status == 200
    expect(cluster_row(page, name)).to_be_focused()  # Extend moves focus to its row
    assert listed_cluster(page, name)["guardrails"]["extended_until"] is not None

    # Expiry: "Deletes on 9 Dec, 10:00" in the browser's time zone.
    details = open_details(page, name)
    form = guardrails_form(details)
    idle = form.get_by_label("Auto-stop when idle")
    idle.select_option(label="Off")
    expires = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    local = expires.astimezone(_zone(BROWSER_ZONE))
    form.get_by_label("Delete on").fill(local.strftime("%Y-%m-%dT%H:%M"))
    answer = save(page, form)
    assert answer.status == 200, answer.text()
    assert answer.json()["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    page.keyboard.press("Escape")
    expect(next_action(page, name)).to_have_text(
        re.compile(rf"^Deletes on {local.day} [A-Z][a-z]+, {local.strftime('%H:%M')}$")
    )

    # Removing every guardrail ends them.
    details = open_details(page, name)
    form = guardrails_form(details)
    form.get_by_label("Delete on").fill("")
    answer = save(page, form)
    assert answer.status == 200 and answer.json() is None
    page.keyboard.press("Escape")
    expect(next_action(page, name)).to_have_count(0)


def _zone(name: str) -> Any:
    """An IANA zone for Python's datetime."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_an_idle_stop_reads_the_servers_sentence_and_shows_without_a_reload(
    browser_session: BrowserSession,
) -> None:
    page, name = guarded_page(browser_session, "idleui")
    details = open_details(page, name)
    form = guardrails_form(details)
    form.get_by_label("Auto-stop when idle").select_option(label="15 min")
    assert save(page, form).status == 200
    page.keyboard.press("Escape")
    expect(next_action(page, name)).to_have_text("Auto-stop in 1 min")  # 15 one-second minutes
    expect(row_button(page, name, "Extend")).to_be_visible()

    # The guardrail stops it (about 15 s); the page reads the list once the stop is due.
    badge = cluster_row(page, name).get_by_test_id("cluster-badge")
    expect(badge).to_have_text("Stopped", timeout=OPERATION_TIMEOUT_MS * 3)
    stop = next(
        job
        for job in page.request.get("/api/aks/provisions").json()["jobs"]
        if job["request"]["cluster_name"] == name and job["type"] == "aks_stop"
    )
    assert wait_for_task(page, stop["task_id"])["trigger"] == "idle"
    sentence = stop["trigger_summary"]
    assert sentence == "Stopped automatically: idle for 15 minutes"
    expect(
        page.get_by_test_id("recent-attempts").get_by_role("listitem").filter(has_text=sentence)
    ).to_contain_text(name)
    details = open_details(page, name)
    expect(
        details.get_by_test_id("cluster-activity").get_by_role("listitem").first
    ).to_contain_text(sentence)
    expect(cluster_row(page, name)).to_contain_text("≈ $0.00/hr")  # stopped: nothing running
    for label, phone in each_viewport(page):
        check_state(page, f"details after an automatic stop, {label}", phone)
