"""Requests per minute one open dashboard tab sends while nothing changes, and while one
lifecycle operation runs (README: refresh every 10 s only while something changes).

Counted in headless Chromium over a fixed window after the page settled; every request to
/api/ is counted, whatever polls it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from typing import Any

import requests

from bench.local_stack import FunctionHost
from local.chromium import CHROMIUM_ARGS, CHROMIUM_PATH

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 30
SETTLE_SECONDS = 3
GROUP = "rg-bench-idle"


def _path(url: str) -> str:
    """The API path without its task id or cluster names, for grouping."""
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "tasks":
        return "api/tasks/{id}"
    return path


async def _count(page: Any, seconds: float) -> Counter[str]:
    seen: Counter[str] = Counter()

    def on_request(request: Any) -> None:
        if "/api/" in request.url:
            seen[_path(request.url)] += 1

    page.on("request", on_request)
    await asyncio.sleep(seconds)
    page.remove_listener("request", on_request)
    return seen


async def _measure(host: FunctionHost, user: str, cluster: str) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(f"{host.base_url}/.auth/login/dev?user={user}")
            await page.goto(host.base_url + "/", wait_until="networkidle")
            await asyncio.sleep(SETTLE_SECONDS)
            idle = await _count(page, WINDOW_SECONDS)
            await page.evaluate(
                """async ([group, name]) => { await fetch(
                     `/api/aks/clusters/${group}/${name}/stop`, {method: 'POST'}); }""",
                [GROUP, cluster],
            )
            await page.evaluate("() => window.dispatchEvent(new Event('focus'))")
            await page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
            busy = await _count(page, WINDOW_SECONDS)
        finally:
            await browser.close()
    per_minute = 60 / WINDOW_SECONDS
    return {
        "window_seconds": WINDOW_SECONDS,
        "idle_per_minute": round(sum(idle.values()) * per_minute, 1),
        "idle_by_path": dict(idle),
        "busy_per_minute": round(sum(busy.values()) * per_minute, 1),
        "busy_by_path": dict(busy),
    }


def run(host: FunctionHost) -> dict[str, Any]:
    """One tab, one cluster: requests per minute idle and while a stop runs."""
    user = f"benchidle{uuid.uuid4().hex[:6]}"
    session = requests.Session()
    session.cookies.set("local_dev_user", user)
    cluster = f"idle-{uuid.uuid4().hex[:6]}"
    started = session.post(
        host.base_url + "/api/aks/provision",
        timeout=60,
        json={"cluster_name": cluster, "resource_group": GROUP, "region": "eastus"},
    )
    started.raise_for_status()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = session.get(host.base_url + started.json()["status_url"], timeout=30).json()
        if status["status"] != "queued" and status["status"] != "running":
            break
        time.sleep(0.5)
    figures = asyncio.run(_measure(host, user, cluster))
    logger.info("idle polling: %s", figures)
    return figures
