"""Local-only tooling (not deployed): the local Functions host, the ARM simulator, the launcher."""
