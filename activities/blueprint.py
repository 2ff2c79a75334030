"""The activities' blueprint, and the clock every activity passes to its domain step.

Inputs arrive as JSON and are rebuilt with `from_dict`; results leave as `to_dict()`.
Domain modules and clients are imported inside each activity (cold start is a budget).
"""

from datetime import UTC, datetime

import azure.durable_functions as df

blueprint = df.Blueprint()


def now() -> datetime:
    """The activity's `now`: domain steps take the clock as a parameter, never read it."""
    return datetime.now(UTC)
