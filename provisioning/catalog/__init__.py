"""What Azure offers in a region, cached per process.

Locations, VM sizes, Kubernetes versions and prices.

See docs/architecture.md for how the packages fit together.
"""
