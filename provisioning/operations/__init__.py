"""Operation types and how tasks of each type run.

The registry of specs, step tables, messages between layers, the accept flow, cancel, and the
work each activity does.

See docs/architecture.md for how the packages fit together.
"""
