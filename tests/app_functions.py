"""The real app's registered functions, indexed once per process (a second index is refused)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def registered_functions() -> dict[str, Any]:
    """Function name -> azure.functions Function metadata object of function_app.app."""
    import function_app

    return {f.get_function_name(): f for f in function_app.app.get_functions()}
