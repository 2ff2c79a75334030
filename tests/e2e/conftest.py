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
from azure.mgmt.containerservice import ContainerServiceClient

from local.chromium import CHROMIUM_ARGS, CHROMIUM_PATH
from tests.arm_fixtures import make_arm_client
from tests.e2e.hang_stack import HangStack, running_hang_stack
from tests.figures import DASHBOARD_TIMING
from tests.stack_fixtures import LocalStack

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
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


@pytest.fixture(autouse=True)
def timings_on_the_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hand the timings a test recorded to its report (tests/figures.py prints them)."""
    yield
    for name, value in sorted(TIMINGS.items()):
        request.node.user_properties.append((DASHBOARD_TIMING, f"{name}: {value:.1f} ms"))
    TIMINGS.clear()


def save_screenshot(page: Any, name: str, for_readme: bool = False, full_page: bool = True) -> Path:
    """Screenshot a page state into test-results/ (the whole page, or only the window).

    With UPDATE_README_SCREENSHOTS=1 the README's main states are refreshed in
    docs/screenshots/ too (never by default: a test run must not change tracked files).
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(target), full_page=full_page)
    if for_readme and os.environ.get("UPDATE_README_SCREENSHOTS") == "1":
        README_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, README_SCREENSHOT_DIR / f"{name}.png")
    return target


def assert_accessible(page: Any, state: str) -> None:
    """axe-core finds no serious or critical violation in the page as it is now."""
    violations = page.evaluate(
        """async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
          .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core, state {state!r}: {blocking}"


def assert_no_sideways_scroll(page: Any, state: str) -> None:
    """The page is no wider than the window (nothing scrolls sideways)."""
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"{state!r} scrolls sideways: {scroll_width}px"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless system Chromium per module (never a downloaded browser).

    Not per session: sync Playwright keeps an event loop running in this thread, which
    would break later asyncio tests in the same process.
    """
    if not CHROMIUM_PATH.exists():
        # Never a skip: `make test` installs it when it can; otherwise say how.
        pytest.fail(
            f"the system Chromium is missing at {CHROMIUM_PATH}; the browser tests need it: "
            "sudo apt-get update && sudo apt-get install -y chromium"
        )
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
        """A fresh browser profile (its own cookies and localStorage): one device.

        axe-core is injected into every page (an init script, so the page's CSP allows it).
        """
        options.setdefault("viewport", {"width": 1100, "height": 900})
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.add_init_script(path=str(AXE_SCRIPT))
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


@pytest.fixture(scope="module")
def hang(azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HangStack]:
    """A freezable stack of the module's own (tests/e2e/hang_stack.py): one per test module."""
    with running_hang_stack(azurite, tmp_path_factory.mktemp("hang-simulator")) as stack:
        yield stack


@pytest.fixture
def arm(hang: HangStack) -> Iterator[ContainerServiceClient]:
    """A real ContainerServiceClient against the hang stack's simulator."""
    client = make_arm_client(hang.arm)
    yield client
    client.close()
