"""Tasks as rows.

JobState, its table entity, the rules for updating it, the repository, claims, task ids and
documents, recent failures, events.

See docs/architecture.md for how the packages fit together.
"""
