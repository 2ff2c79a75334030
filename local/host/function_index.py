"""Discover functions from the app's own metadata (the same decorators Azure indexes)."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import azure.functions as func

from local.host.durable.engine import ActivityFunction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpFunction:
    """An HTTP-triggered function with its route template compiled to a matcher."""

    name: str
    func: Callable[..., Any]
    route: str
    methods: frozenset[str]
    request_param: str
    client_param: str | None
    pattern: re.Pattern[str]
    literal_segments: int

    def match(self, path: str, method: str) -> dict[str, str] | None:
        """Route params if this function serves the path (method checked separately)."""
        found = self.pattern.fullmatch(path)
        return None if found is None else {k: v for k, v in found.groupdict().items() if v}


@dataclass
class FunctionIndex:
    """Every function of the app, grouped by trigger type."""

    http: list[HttpFunction] = field(default_factory=list)
    orchestrators: dict[str, Callable[[str], str]] = field(default_factory=dict)
    activities: dict[str, ActivityFunction] = field(default_factory=dict)
    entities: dict[str, Callable[[str], str]] = field(default_factory=dict)

    def find_route(self, path: str, method: str) -> tuple[HttpFunction, dict[str, str]] | None:
        """The function serving method + path, preferring routes with more literal segments."""
        path_matched = False
        for function in self.http:
            params = function.match(path, method)
            if params is None:
                continue
            path_matched = True
            if method.upper() in function.methods:
                return function, params
        if path_matched:
            raise MethodNotAllowed(path)
        return None


class MethodNotAllowed(Exception):
    """The route exists but not for this HTTP method."""


ROUTE_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([^}?]+))?(\?)?\}")
CONSTRAINTS = {
    None: r"[^/]+",
    "int": r"-?\d+",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9a-fA-F-]{36}",
    "bool": r"(?:true|false|True|False)",
}


def compile_route(route: str) -> tuple[re.Pattern[str], int]:
    """Azure Functions route template -> regex (supports {x}, {x:int}, {x?}, {*rest})."""
    parts: list[str] = []
    literal_segments = 0
    for segment in route.strip("/").split("/"):
        found = ROUTE_PARAM.fullmatch(segment)
        if found is None:
            literal_segments += 1
            parts.append("/" + re.escape(segment))
            continue
        catch_all, name, constraint, optional = found.groups()
        body = r".*" if catch_all else CONSTRAINTS.get(constraint, r"[^/]+")
        piece = f"/(?P<{name}>{body})"
        parts.append(f"(?:{piece})?" if optional or catch_all else piece)
    return re.compile("".join(parts) or "/"), literal_segments


class NoFunctionApp(Exception):
    """The module defines no top-level function app object, or more than one."""


def find_function_app(module: ModuleType) -> func.FunctionRegister:
    """The module's single top-level FunctionApp / DFApp, found as the Python worker finds it.

    Any attribute name will do (the worker scans the module's globals, not `app`).
    """
    apps = [value for value in vars(module).values() if isinstance(value, func.FunctionRegister)]
    if not apps:
        raise NoFunctionApp(
            f"Could not find top level function app instances in {module.__name__}."
        )
    if len(apps) > 1:
        raise NoFunctionApp(
            f"More than one {type(apps[0]).__name__} or other top level function app instances "
            f"are defined in {module.__name__}."
        )
    return apps[0]


def load_index(module_name: str) -> FunctionIndex:
    """Import the function app module and index its functions from decorator metadata."""
    module = importlib.import_module(module_name)
    app = find_function_app(module)
    index = FunctionIndex()
    for function in app.get_functions():
        trigger = function.get_trigger()
        name = function.get_function_name()
        user_func = function.get_user_function()
        if trigger is None or name is None:
            # get_functions() already refuses such a function; its types still say Optional.
            raise ValueError(f"function {user_func.__name__} has no trigger or no name")
        trigger_type = trigger.get_binding_name()
        if trigger_type == "httpTrigger":
            raw = trigger.get_dict_repr()
            route = raw.get("route") or name
            methods = raw.get("methods") or ["GET", "POST", "PUT", "DELETE", "PATCH"]
            client_param = next(
                (b.name for b in function.get_bindings() if b.type == "durableClient"), None
            )
            pattern, literals = compile_route(route)
            index.http.append(
                HttpFunction(
                    name=name,
                    func=user_func,
                    route=route,
                    methods=frozenset(str(getattr(m, "value", m)).upper() for m in methods),
                    request_param=trigger.name,
                    client_param=client_param,
                    pattern=pattern,
                    literal_segments=literals,
                )
            )
        elif trigger_type == "orchestrationTrigger":
            index.orchestrators[name] = user_func
        elif trigger_type == "activityTrigger":
            index.activities[name] = ActivityFunction(name, user_func, trigger.name)
        elif trigger_type == "entityTrigger":
            index.entities[name] = user_func
        else:
            logger.warning("function %s has trigger %s, not supported locally", name, trigger_type)
    index.http.sort(key=lambda f: (-f.literal_segments, f.route))
    logger.info(
        "indexed %d HTTP, %d orchestrator, %d activity and %d entity functions from %s",
        len(index.http),
        len(index.orchestrators),
        len(index.activities),
        len(index.entities),
        module_name,
    )
    return index
