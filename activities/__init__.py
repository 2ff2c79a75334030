"""Activity functions: thin adapters over the operation steps (one blueprint for the folder).

operation_activities: the steps every operation runs; <operation>_activities: its own.
"""

from activities import (
    create_activities,
    delete_activities,
    guardrail_activities,
    lifecycle_activities,
    operation_activities,
)
from activities.blueprint import blueprint

__all__ = [
    "blueprint",
    "create_activities",
    "delete_activities",
    "guardrail_activities",
    "lifecycle_activities",
    "operation_activities",
]
