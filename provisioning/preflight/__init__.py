"""Advice before a create.

Checks of a request against live Azure data, and its price.

See docs/architecture.md for how the packages fit together.
"""
