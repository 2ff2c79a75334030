"""Activity functions: thin adapters over provisioning.attempt_steps (one blueprint)."""

from activities.attempt_activities import blueprint

__all__ = ["blueprint"]
