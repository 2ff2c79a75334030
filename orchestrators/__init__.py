"""Orchestrator functions: deterministic generators only (one blueprint)."""

from orchestrators import delete_cluster, provision_cluster
from orchestrators.blueprint import blueprint

__all__ = ["blueprint", "delete_cluster", "provision_cluster"]
