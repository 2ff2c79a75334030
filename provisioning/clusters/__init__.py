"""The caller's clusters in ARM.

Ownership tags, the inventory view, the ARM calls that change a cluster, and the clusters list.

See docs/architecture.md for how the packages fit together.
"""
