"""Bounded work: a durable backend that accepts the connection but never answers cannot hold an
API request; the caller gets 503 instead of a request that hangs for minutes.

The cancel case needs a JobState row, so it runs against Azurite in
tests/integration/test_api_bounds.py.
"""

from __future__ import annotations

import json

import azure.functions as func

from tests.bounded_backend import call_handler


async def test_provision_answers_503_when_the_durable_backend_never_answers(
    bounded_settings: None, stuck_backend: int
) -> None:
    from provisioning.access.identity import encode_easyauth_principal

    body = {"cluster_name": "bounded", "resource_group": "rg", "region": "eastus"}
    request = func.HttpRequest(
        "POST",
        "http://localhost/api/aks/provision",
        headers={
            "X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal("bounded-user", "b"),
            "Content-Type": "application/json",
        },
        body=json.dumps(body).encode(),
    )
    response = await call_handler("start_provision", request, stuck_backend)
    assert response.status_code == 503
    assert json.loads(response.get_body())["error"]["code"] == "orchestration_unavailable"
