"""Cross-site defence: a state-changing request must be same-origin and send JSON bodies."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

import azure.functions as func
import pytest

from local.processes import azurite_connection_string, free_port
from provisioning.access.cross_site import (
    CrossOriginRequest,
    UnsupportedMediaType,
    check_state_changing_request,
    is_json_content_type,
    normalized_origin,
    own_origins,
)
from provisioning.access.identity import encode_easyauth_principal
from provisioning.settings import get_settings
from tests.app_functions import registered_functions

APP = "http://127.0.0.1:7071"
URL = f"{APP}/api/aks/provision"
JSON = {"Content-Type": "application/json"}


def check(
    headers: dict[str, str],
    *,
    method: str = "POST",
    url: str = URL,
    body: bytes = b"{}",
    behind_trusted_proxy: bool = False,
) -> None:
    check_state_changing_request(
        method, url, headers, body, behind_trusted_proxy=behind_trusted_proxy
    )


# --- origin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://127.0.0.1:7072",
        "https://127.0.0.1:7071",
        "http://127.0.0.1.evil.example:7071",
        "null",
        "http://127.0.0.1:7071, http://evil.example",
        "http://127.0.0.1:7071/path",
        "http://user@127.0.0.1:7071",
        "file://",
        "",
        "http://127.0.0.1:7071\udcff",
    ],
)
def test_post_from_a_foreign_or_opaque_origin_is_refused(origin: str) -> None:
    with pytest.raises(CrossOriginRequest):
        check({"Origin": origin, **JSON})


@pytest.mark.parametrize("origin", [APP, "HTTP://127.0.0.1:7071", " http://127.0.0.1:7071 "])
def test_post_from_the_apps_own_origin_passes(origin: str) -> None:
    check({"Origin": origin, **JSON})


@pytest.mark.parametrize("site", ["cross-site", "Cross-Site"])
def test_cross_site_fetch_metadata_is_refused_even_without_origin(site: str) -> None:
    with pytest.raises(CrossOriginRequest):
        check({"Sec-Fetch-Site": site, **JSON})


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_same_origin_fetch_metadata_passes(site: str) -> None:
    check({"Sec-Fetch-Site": site, "Origin": APP, **JSON})


def test_non_browser_clients_without_origin_or_fetch_metadata_pass() -> None:
    check(JSON)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_are_never_refused(method: str) -> None:
    check(
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, method=method, body=b"x"
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "post"])
def test_every_state_changing_method_is_checked(method: str) -> None:
    with pytest.raises(CrossOriginRequest):
        check({"Origin": "http://evil.example", **JSON}, method=method)


def test_default_ports_compare_equal() -> None:
    check({"Origin": "https://app.example", **JSON}, url="https://app.example:443/api/x")
    check({"Origin": "http://app.example:80", **JSON}, url="http://app.example/api/x")


# --- forwarded headers -----------------------------------------------------------------------

FRONT_END = "http://app.azurewebsites.net/api/aks/provision"


def test_behind_app_service_the_forwarded_scheme_is_the_apps() -> None:
    headers = {"Origin": "https://app.azurewebsites.net", "X-Forwarded-Proto": "https", **JSON}
    check(headers, url=FRONT_END, behind_trusted_proxy=True)


def test_behind_a_front_door_the_forwarded_host_is_the_apps() -> None:
    headers = {
        "Origin": "https://aks.contoso.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "aks.contoso.com",
        **JSON,
    }
    check(headers, url=FRONT_END, behind_trusted_proxy=True)


def test_forwarded_headers_are_ignored_without_a_trusted_proxy() -> None:
    headers = {
        "Origin": "https://evil.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example",
        **JSON,
    }
    with pytest.raises(CrossOriginRequest):
        check(headers)


@pytest.mark.parametrize(
    "forwarded",
    [
        {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example, aks.contoso.com"},
        {"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "evil.example"},
    ],
)
def test_forwarded_lists_and_odd_schemes_are_not_trusted(forwarded: dict[str, str]) -> None:
    with pytest.raises(CrossOriginRequest):
        check(
            {"Origin": "https://evil.example", **forwarded, **JSON},
            url=FRONT_END,
            behind_trusted_proxy=True,
        )


def test_own_origins_of_an_unparseable_url_is_empty() -> None:
    assert own_origins("http://[::1", {}, behind_trusted_proxy=False) == frozenset()


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("HTTPS://App.Example:443", "https://app.example"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://app.example:0", None),
        ("http://app.example:99999", None),
        ("ws://app.example", None),
        ("app.example", None),
    ],
)
def test_origins_are_normalized_or_refused(value: str, normalized: str | None) -> None:
    assert normalized_origin(value) == normalized


# --- content type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-patch+json",
        "application/jsonx",
        "application/json; charset=latin-1",
        "application/json; boundary=x",
    ],
)
def test_body_not_declared_as_json_is_refused(content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    with pytest.raises(UnsupportedMediaType):
        check(headers)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        'application/json;charset="UTF-8"',
        "application/json;",
    ],
)
def test_json_content_types_are_accepted(content_type: str) -> None:
    assert is_json_content_type(content_type)
    check({"Content-Type": content_type})


def test_bodyless_post_needs_no_content_type() -> None:
    check({}, body=b"")


# --- every POST handler of the app goes through the defence ---------------------------------


@pytest.fixture
def trusted_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings of the local host (identity trusted), storage that is never reached."""
    # A port nothing listens on: never the `make run` Azurite (tests/hermetic.py).
    monkeypatch.setenv("AzureWebJobsStorage", azurite_connection_string(free_port()))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    monkeypatch.setenv("LOCAL_DEV_HOST", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def post_handlers() -> list[tuple[str, str]]:
    """(function name, route) of every registered HTTP trigger that changes state."""
    found = []
    for name, function in registered_functions().items():
        trigger = function.get_trigger()
        if trigger.get_binding_name() != "httpTrigger":
            continue
        raw = trigger.get_dict_repr()
        methods = {str(getattr(m, "value", m)).upper() for m in raw["methods"]}
        if methods & {"POST", "PUT", "PATCH", "DELETE"}:
            found.append((name, raw["route"]))
    return sorted(found)


# A durable client binding nothing listens behind: the refusal comes before any durable call.
UNREACHABLE_CLIENT = json.dumps(
    {
        "taskHubName": "Refused",
        "creationUrls": {},
        "managementUrls": {},
        "baseUrl": "http://127.0.0.1:9/runtime/webhooks/durabletask",
        "requiredQueryStringParameters": "",
        "rpcBaseUrl": "http://127.0.0.1:9/durabletask/",
        "httpBaseUrl": "",
    }
)


async def call(name: str, request: func.HttpRequest) -> Any:
    handler: Callable[..., Any] = registered_functions()[name].get_user_function()
    kwargs: dict[str, Any] = {"req": request}
    if "client" in inspect.signature(handler).parameters:
        kwargs["client"] = UNREACHABLE_CLIENT
    result = handler(**kwargs)
    return await result if inspect.isawaitable(result) else result


def test_the_app_has_the_four_state_changing_endpoints() -> None:
    names = [name for name, _ in post_handlers()]
    assert set(names) >= {
        "start_provision",
        "cancel_task",
        "dismiss_task",
        "delete_partial_cluster",
    }


@pytest.mark.parametrize(("name", "route"), post_handlers())
@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"Origin": "http://evil.example"}, b"", 403, "cross_origin"),
        ({"Sec-Fetch-Site": "cross-site"}, b"", 403, "cross_origin"),
        ({"Content-Type": "text/plain"}, b'{"a":"="}', 415, "unsupported_media_type"),
    ],
)
async def test_every_post_handler_refuses_before_identity_or_storage(
    trusted_app: None,
    name: str,
    route: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
) -> None:
    principal = {"X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal("victim", "v")}
    path = (
        route.replace("{task_id}", "2516064534769251999-ad6e79d18b6b")
        .replace("{resource_group}", "rg")
        .replace("{cluster_name}", "c1")
        .replace("{pool}", "pool1")
    )
    request = func.HttpRequest(
        "POST", f"{APP}/api/{path}", headers={**principal, **headers}, body=body
    )
    response = await call(name, request)
    assert response.status_code == status
    assert json.loads(response.get_body())["error"]["code"] == code


def test_a_state_changing_route_refuses_cross_site_even_without_the_error_decorator(
    trusted_app: None,
) -> None:
    """The defence comes from registration: a handler that forgets every decorator has it."""
    import azure.durable_functions as df

    from api.blueprint import SameOriginBlueprint

    reached: list[str] = []
    forgetful = SameOriginBlueprint(http_auth_level=func.AuthLevel.ANONYMOUS)

    @forgetful.route(route="forgetful", methods=["PUT"])
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        reached.append("handler")
        return func.HttpResponse("changed", status_code=200)

    @forgetful.route(route="reader", methods=["GET"])
    def reader(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("read", status_code=200)

    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(forgetful)
    functions = {f.get_function_name(): f for f in app.get_functions()}
    foreign = func.HttpRequest(
        "PUT", f"{APP}/api/forgetful", headers={"Origin": "http://evil.example"}, body=b""
    )
    refused = functions["handler"].get_user_function()(req=foreign)
    assert refused.status_code == 403 and reached == []
    same = func.HttpRequest("PUT", f"{APP}/api/forgetful", headers={"Origin": APP}, body=b"")
    assert functions["handler"].get_user_function()(req=same).status_code == 200
    get = func.HttpRequest(
        "GET", f"{APP}/api/reader", headers={"Origin": "http://evil.example"}, body=b""
    )
    assert functions["reader"].get_user_function()(req=get).status_code == 200
