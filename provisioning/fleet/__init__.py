"""The caller's fleet as the dashboard sees it.

The clusters list (one ARM list call), each cluster's active operation, and the `actions` it
allows now, computed from the same rules that accept or refuse each operation.

See docs/architecture.md for how the packages fit together.
"""
