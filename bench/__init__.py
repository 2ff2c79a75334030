"""Benchmarks behind `make bench`: they print and record figures, they never assert on time."""
