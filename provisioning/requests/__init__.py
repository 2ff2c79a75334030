"""What a caller may ask for.

Request validation and the input bounds the dashboard reads as `limits`.

See docs/architecture.md for how the packages fit together.
"""
