"""Activity functions: thin adapters over the operation steps (attempt_, create_, delete_steps)."""

from activities.attempt_activities import blueprint

__all__ = ["blueprint"]
