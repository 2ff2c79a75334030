"""HTTP triggers, one module per resource (one blueprint)."""

from api import openapi, provisions, tasks
from api.blueprint import blueprint

__all__ = ["blueprint", "openapi", "provisions", "tasks"]
