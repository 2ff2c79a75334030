"""The HTTP API's blueprint. Anonymous at the function level: App Service Authentication
(or the local host) authenticates, and every handler authorizes from the platform principal.

State-changing routes get the same-origin and JSON content-type checks from the way they are
registered (SameOriginBlueprint.route), not from a decorator a handler might forget.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from api.responses import refuse_cross_site_or_answer

# Methods that change state and so must be same-origin (README "Security"); None means all.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def changes_state(methods: Iterable[Any] | None) -> bool:
    """Whether a route with these methods accepts a state-changing request."""
    if methods is None:
        return True
    return any(str(getattr(m, "value", m)).upper() in STATE_CHANGING for m in methods)


def same_origin_first(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The handler behind the cross-site defence: a refused request never reaches it."""
    if inspect.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            refused = refuse_cross_site_or_answer(args, kwargs)
            return refused if refused is not None else await handler(*args, **kwargs)

        return guarded_async

    @functools.wraps(handler)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        refused = refuse_cross_site_or_answer(args, kwargs)
        return refused if refused is not None else handler(*args, **kwargs)

    return guarded


class SameOriginBlueprint(df.Blueprint):
    """A blueprint whose state-changing routes refuse cross-site requests by construction."""

    def route(
        self,
        route: str | None = None,
        trigger_arg_name: str = "req",
        binding_arg_name: str = "$return",
        methods: Iterable[str] | Iterable[func.HttpMethod] | None = None,
        auth_level: func.AuthLevel | str | None = None,
        trigger_extra_fields: dict[str, Any] | None = None,
        binding_extra_fields: dict[str, Any] | None = None,
    ) -> Callable[..., Any]:
        """Register an HTTP trigger; a state-changing one is wrapped in same_origin_first."""
        register = super().route(
            route,
            trigger_arg_name,
            binding_arg_name,
            methods,
            auth_level,
            trigger_extra_fields,
            binding_extra_fields,
        )
        if not changes_state(methods):
            return register

        def guarded_register(function: Any) -> Any:
            builder = register(function)
            # Where the SDK keeps the user function (durable_client_input wraps it the same way).
            builder._function._func = same_origin_first(builder._function._func)
            return builder

        return guarded_register


blueprint = SameOriginBlueprint(http_auth_level=func.AuthLevel.ANONYMOUS)
