"""HTTP triggers, one module per resource (one blueprint)."""

from api import provisions, tasks
from api.blueprint import blueprint

__all__ = ["blueprint", "provisions", "tasks"]
