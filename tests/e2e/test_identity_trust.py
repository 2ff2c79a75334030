"""Without a trusted identity injector, every API call answers 503 instead of trusting headers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from local.processes import ChildProcess, free_port, start_local_host
from provisioning.access.identity import encode_easyauth_principal
from tests.arm_fixtures import ArmSimulator
from tests.stack_fixtures import stack_env

ENDPOINTS = [
    ("POST", "/api/aks/provision"),
    ("GET", "/api/aks/recent-failed-provisions"),
    ("GET", "/api/aks/provisions"),
    ("GET", "/api/tasks/2516064534769251999-ad6e79d18b6b"),
    ("POST", "/api/tasks/2516064534769251999-ad6e79d18b6b/cancel"),
    ("POST", "/api/tasks/2516064534769251999-ad6e79d18b6b/dismiss"),
    ("POST", "/api/tasks/2516064534769251999-ad6e79d18b6b/delete-cluster"),
]


@pytest.fixture(scope="module")
def untrusted_host(
    azurite: str, arm_simulator: ArmSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app as deployed without App Service Authentication (WEBSITE_AUTH_ENABLED unset)."""
    log_dir = tmp_path_factory.mktemp("untrusted-host")
    port = free_port()
    env = stack_env(azurite, arm_simulator, "JobState" + uuid.uuid4().hex[:8])
    host: ChildProcess = start_local_host(
        port,
        free_port(),
        env,
        log_path=log_dir / "host.log",
        hub_name="Untrusted" + uuid.uuid4().hex[:8],
        extra_args=["--no-dev-identity"],
    )
    yield f"http://127.0.0.1:{port}"
    host.stop()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_spoofed_principal_without_platform_auth_is_503(
    untrusted_host: str, method: str, path: str
) -> None:
    spoofed = {"X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal("victim-oid", "victim")}
    response = requests.request(method, untrusted_host + path, headers=spoofed, json={}, timeout=10)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "auth_not_configured"


def test_no_principal_without_platform_auth_is_also_503(untrusted_host: str) -> None:
    response = requests.get(untrusted_host + "/api/aks/provisions", timeout=10)
    assert response.status_code == 503


@pytest.mark.parametrize(("method", "path"), [e for e in ENDPOINTS if e[0] == "POST"])
def test_cross_site_post_is_refused_before_identity_is_even_read(
    untrusted_host: str, method: str, path: str
) -> None:
    spoofed = {
        "X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal("victim-oid", "victim"),
        "Origin": "https://evil.example",
    }
    response = requests.request(method, untrusted_host + path, headers=spoofed, timeout=10)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "cross_origin"
