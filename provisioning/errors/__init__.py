"""What went wrong in words a user can act on.

ARM error rules and advice, and the product's own errors.

See docs/architecture.md for how the packages fit together.
"""
