"""Orchestrator functions: deterministic generators only (one blueprint)."""

from orchestrators import change_cluster, delete_cluster, guard_cluster, provision_cluster
from orchestrators.blueprint import blueprint

__all__ = ["blueprint", "change_cluster", "delete_cluster", "guard_cluster", "provision_cluster"]
