"""HTTP triggers, one module per resource (one blueprint)."""

from api import clusters, guardrails, openapi, preflight, provisions, tasks
from api.blueprint import blueprint

__all__ = ["blueprint", "clusters", "guardrails", "openapi", "preflight", "provisions", "tasks"]
