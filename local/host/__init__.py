"""The local Functions host: HTTP triggers, dev identity, static files and a durable engine."""
