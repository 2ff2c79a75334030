"""Browser fixtures for the dashboard e2e tests: the system Chromium driven by Playwright."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from local.chromium import CHROMIUM_ARGS, CHROMIUM_PATH
from tests.stack_fixtures import LocalStack

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-results" / "screenshots"
README_SCREENSHOT_DIR = REPO_ROOT / "docs" / "screenshots"
TIMINGS: dict[str, float] = {}


def unique_user(prefix: str) -> str:
    """A dev user name no other test (or earlier run against the same stack) uses."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def record_timing(name: str, milliseconds: float) -> None:
    """Keep a measured browser timing for the end-of-run summary (never asserted on)."""
    TIMINGS[name] = milliseconds
    logger.info("%s: %.1f ms", name, milliseconds)


def save_screenshot(page: Any, name: str, for_readme: bool = False) -> Path:
    """Screenshot a page state into test-results/.

    With UPDATE_README_SCREENSHOTS=1 the README's main states are refreshed in
    docs/screenshots/ too (never by default: a test run must not change tracked files).
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if for_readme and os.environ.get("UPDATE_README_SCREENSHOTS") == "1":
        README_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, README_SCREENSHOT_DIR / f"{name}.png")
    return target


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report the measured banner and cross-tab timings (docs/benchmarks.md), if any were taken."""
    if not TIMINGS:
        return
    terminalreporter.section("dashboard timings (measured, not asserted)")
    for name, value in sorted(TIMINGS.items()):
        terminalreporter.write_line(f"{name}: {value:.1f} ms")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless system Chromium per module (never a downloaded browser).

    Not per session: sync Playwright keeps an event loop running in this thread, which
    would break later asyncio tests in the same process.
    """
    if not CHROMIUM_PATH.exists():
        message = f"the system Chromium is missing at {CHROMIUM_PATH}; browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the browser tests, not skip them)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class BrowserSession:
    """Opens contexts and signed-in pages for one test and closes them afterwards."""

    browser: Any
    base_url: str
    contexts: list[Any] = field(default_factory=list)

    def new_context(self, **options: Any) -> Any:
        """A fresh browser profile (its own cookies and localStorage): one device."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": 1100, "height": 900}, **options
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return context

    def sign_in(self, context: Any, user: str) -> Any:
        """Log a context in as a dev user and return a page on the dashboard."""
        page = context.new_page()
        page.goto(f"/.auth/login/dev?user={user}")
        page.wait_for_url(f"{self.base_url}/")
        return page

    def open_tab(self, context: Any) -> Any:
        """Another tab of the same profile, on the dashboard."""
        page = context.new_page()
        page.goto("/")
        return page

    def close(self) -> None:
        """Close every context this test opened."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser_session(browser: Any, local_stack: LocalStack) -> Iterator[BrowserSession]:
    """Per-test browser contexts against the session's local stack."""
    session = BrowserSession(browser, local_stack.base_url)
    yield session
    session.close()


@pytest.fixture
def signed_in_page(browser_session: BrowserSession) -> Callable[..., Any]:
    """`signed_in_page(user, **context_options)`: a new context signed in as `user`, its page."""

    def open_page(user: str, **context_options: Any) -> Any:
        context = browser_session.new_context(**context_options)
        return browser_session.sign_in(context, user)

    return open_page
