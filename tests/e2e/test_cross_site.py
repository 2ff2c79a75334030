"""A page on a second origin cannot act for the signed-in user; the dashboard itself still can.

Headless Chromium signs a user in to the dashboard, then opens an attacker's page served from
another origin. That page tries every state-changing call the way a cross-site page can: simple
`no-cors` fetches (text/plain or no body), a `<form enctype="text/plain">` whose fields spell a
JSON body, and a JSON fetch (which needs a CORS preflight the app never grants). Every call that
reaches the app must be refused 403 `cross_origin`, and the user's attempts must be unchanged,
checked through the API as that user.

Two attacker origins: `127.0.0.1` on another port is same-site (the dev sign-in cookie, like
Easy Auth's, is sent along), and `localhost` is cross-site.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from local.host.dev_identity import dev_object_id
from local.processes import free_port
from tests.e2e.conftest import BrowserSession, unique_user
from tests.stack_fixtures import LocalStack, UserClient

pytestmark = pytest.mark.browser

ATTACK_SCRIPT = """
(async () => {
  const app = %(app)s;
  const tasks = %(tasks)s;
  const names = %(names)s;
  const body = (name) => JSON.stringify(
    {cluster_name: name, resource_group: 'rg-csrf', region: 'eastus'});
  const sink = document.getElementById('sink');
  const formLoaded = new Promise((resolve) => {
    sink.addEventListener('load', resolve, {once: true});
    setTimeout(resolve, 5000);
  });
  document.getElementById('forged').submit();
  await formLoaded;
  const simple = {method: 'POST', mode: 'no-cors', credentials: 'include'};
  const outcomes = await Promise.allSettled([
    fetch(`${app}/api/aks/provision`, {...simple, headers: {'Content-Type': 'text/plain'},
                                       body: body(names.fetchText)}),
    fetch(`${app}/api/aks/provision`, {...simple, body: new Blob([body(names.fetchBlob)])}),
    fetch(`${app}/api/tasks/${tasks.running}/cancel`, simple),
    fetch(`${app}/api/tasks/${tasks.failed}/dismiss`, simple),
    fetch(`${app}/api/tasks/${tasks.failed}/delete-cluster`, simple),
    fetch(`${app}/api/aks/provision`, {method: 'POST', credentials: 'include',
                                       headers: {'Content-Type': 'application/json'},
                                       body: body(names.fetchJson)}),
  ]);
  window.attack = outcomes.map((o) => o.status);
})();
"""

ATTACK_PAGE = """<!doctype html>
<html><head><title>Win a prize</title></head><body>
<form id="forged" method="POST" action="%(action)s" enctype="text/plain" target="sink">
  <input type="hidden" name='%(field_name)s' value='%(field_value)s'>
</form>
<iframe name="sink" id="sink"></iframe>
<script>%(script)s</script>
</body></html>
"""


@dataclass
class AttackerSite:
    """A static server on a second port; `pages` maps a path to the HTML it serves."""

    port: int
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, host: str, path: str) -> str:
        """The page's address under one of the loopback host names."""
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="module")
def attacker_site() -> Iterator[AttackerSite]:
    """The other origin, served from a thread for this module."""
    site = AttackerSite(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's hook name
            page = site.pages.get(self.path.split("?", 1)[0])
            status = 200 if page is not None else 404
            payload = (page or "not found").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

    server = ThreadingHTTPServer(("127.0.0.1", site.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


def attack_page(app: str, running: str, failed: str, names: dict[str, str]) -> str:
    """The attacker's page: a text/plain form spelling a JSON body, then fetches."""
    # text/plain form bodies are `name=value`: the '=' lands in a value a duplicate overrides.
    field_name = (
        f'{{"cluster_name":"{names["form"]}","resource_group":"rg-csrf","region":"eastus",'
        '"cluster_name":"x'
    )
    field_value = f'","cluster_name":"{names["form"]}"}}'
    script = ATTACK_SCRIPT % {
        "app": json.dumps(app),
        "tasks": json.dumps({"running": running, "failed": failed}),
        "names": json.dumps(names),
    }
    return ATTACK_PAGE % {
        "action": f"{app}/api/aks/provision",
        "field_name": field_name,
        "field_value": field_value,
        "script": script,
    }


def settled(jobs: list[dict[str, Any]], running: str) -> list[tuple[str, str, str | None]]:
    """What an attack could change about the user's finished attempts."""
    return [(j["task_id"], j["status"], j["dismissed_at"]) for j in jobs if j["task_id"] != running]


def as_user(local_stack: LocalStack, user: str) -> UserClient:
    """An API client acting as the browser's signed-in dev user (same owner id)."""
    return UserClient(local_stack.base_url, dev_object_id(user), user)


@pytest.mark.parametrize("attacker_host", ["127.0.0.1", "localhost"])
def test_pages_on_another_origin_cannot_act_for_the_signed_in_user(
    browser_session: BrowserSession,
    local_stack: LocalStack,
    attacker_site: AttackerSite,
    attacker_host: str,
) -> None:
    user = unique_user("csrf")
    context = browser_session.new_context()
    dashboard = browser_session.sign_in(context, user)
    api = as_user(local_stack, user)
    running = api.provision(f"slow-{uuid.uuid4().hex[:8]}", resource_group="rg-csrf")
    failed = api.provision(f"quota-{uuid.uuid4().hex[:8]}", resource_group="rg-csrf")
    api.wait(failed)
    before = api.get("/api/aks/provisions").json()["jobs"]
    names = {
        k: f"quota-{k.lower()}-{uuid.uuid4().hex[:6]}"
        for k in ("form", "fetchText", "fetchBlob", "fetchJson")
    }
    path = f"/attack-{uuid.uuid4().hex[:8]}.html"
    attacker_site.pages[path] = attack_page(local_stack.base_url, running, failed, names)

    seen: list[tuple[str, int, str | None]] = []

    def record(response: Any) -> None:
        request = response.request
        if request.method == "POST" and request.url.startswith(local_stack.base_url):
            try:
                text: str | None = response.text()
            except PlaywrightError:  # an opaque (no-cors) answer's body may not be kept
                text = None
            seen.append((request.url, response.status, text))

    page: Page = context.new_page()
    page.on("response", record)
    page.goto(attacker_site.url(attacker_host, path))
    page.wait_for_function("Array.isArray(window.attack)", timeout=20_000)
    page.wait_for_timeout(300)

    # Every call that reached the app was refused as cross-origin...
    reached = {url.removeprefix(local_stack.base_url) for url, _, _ in seen}
    assert {
        f"/api/tasks/{running}/cancel",
        f"/api/tasks/{failed}/dismiss",
        f"/api/tasks/{failed}/delete-cluster",
        "/api/aks/provision",
    } <= reached, seen
    for url, status, text in seen:
        assert status == 403, (url, text)
        # An opaque (no-cors) answer's body may be kept empty, or not at all; the 403 is the proof.
        if text:
            assert json.loads(text)["error"]["code"] == "cross_origin", (url, text)
    # ...and nothing changed for the signed-in user.
    after = api.get("/api/aks/provisions").json()["jobs"]
    assert settled(after, running) == settled(before, running)
    assert {j["task_id"] for j in after} == {running, failed}
    assert api.task(running)["status"] in {"queued", "running"}

    # The dashboard itself (same origin) still creates, and stops, an attempt.
    cluster = f"slow-dash-{uuid.uuid4().hex[:6]}"
    dashboard.bring_to_front()
    dashboard.get_by_role("button", name="Create cluster").click()
    dialog = dashboard.get_by_role("dialog", name="Create AKS cluster")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Cluster name").fill(cluster)
    dialog.get_by_label("Resource group").fill("rg-csrf")
    dialog.get_by_role("button", name="Create", exact=True).click()
    expect(dialog).to_be_hidden()
    created = [
        j
        for j in api.get("/api/aks/provisions").json()["jobs"]
        if j["request"]["cluster_name"] == cluster
    ]
    assert len(created) == 1
    for task_id in (running, created[0]["task_id"]):
        assert api.post(f"/api/tasks/{task_id}/cancel").status_code in {200, 202}
        api.wait(task_id)
