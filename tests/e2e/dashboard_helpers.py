"""What the browser tests of a cluster's parts share: viewports, finding rows and opening things."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import assert_accessible, assert_no_sideways_scroll

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = (("desktop", DESKTOP), ("phone", PHONE))
OPERATION_TIMEOUT_MS = 30_000
FINISHED = {"succeeded", "failed", "cancelled"}


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


def row_button(page: Page, name: str, label: str) -> Locator:
    """A row's button, named after its action and its cluster ("Stop web-1")."""
    return cluster_row(page, name).get_by_role("button", name=f"{label} {name}", exact=True)


def wait_for_task(page: Page, task_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll a task as the page's user until it finishes."""
    deadline = time.monotonic() + timeout
    while True:
        document = page.request.get(f"/api/tasks/{task_id}").json()
        if document["status"] in FINISHED:
            return document
        assert time.monotonic() < deadline, f"task never finished: {document}"
        page.wait_for_timeout(250)


def create_cluster(page: Page, name: str, resource_group: str, **extra: Any) -> dict[str, Any]:
    """Create a cluster as the page's user through the API and wait for it to succeed."""
    response = page.request.post(
        "/api/aks/provision",
        data={"cluster_name": name, "resource_group": resource_group, "region": "eastus", **extra},
    )
    assert response.status == 202, response.text()
    document = wait_for_task(page, response.json()["task_id"])
    assert document["status"] == "succeeded", document
    return document


def listed_cluster(page: Page, name: str) -> dict[str, Any]:
    """The cluster as GET /api/aks/clusters describes it to the page's user."""
    clusters = page.request.get("/api/aks/clusters").json()["clusters"]
    return next(cluster for cluster in clusters if cluster["name"] == name)


def open_details(page: Page, name: str) -> Locator:
    """Click the cluster's name: its details dialog, headed by the name."""
    cluster_row(page, name).get_by_role("button", name=name, exact=True).click()
    details = page.get_by_role("dialog", name=name)
    expect(details).to_be_visible()
    return details


def check_state(page: Page, state: str, phone: bool) -> None:
    """axe-core finds nothing serious; at phone width nothing scrolls sideways."""
    assert_accessible(page, state)
    if phone:
        assert_no_sideways_scroll(page, state)


def each_viewport(page: Page) -> Iterator[tuple[str, bool]]:
    """Run the block at 1280×800, then at 390×844 (yielding the viewport's name and phone)."""
    for label, viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        yield label, viewport is PHONE
