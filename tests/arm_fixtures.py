"""Fixtures for the ARM simulator (filled in with the simulator)."""
