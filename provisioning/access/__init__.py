"""Who is calling and from where.

Platform identity headers, owner ids, and the same-origin rule for state-changing requests.

See docs/architecture.md for how the packages fit together.
"""
