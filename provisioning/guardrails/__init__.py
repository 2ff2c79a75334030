"""Cost guardrails (README "Cost guardrails"): auto-stop when idle, working hours, expiry.

One row per guarded cluster in its own table (`repository`), the owner's rules as values
(`model`), their validation (`validation`), the time-zone math of working hours (`schedule`),
what node CPU says about idleness (`idle`), the decision rules as pure functions (`rules`),
the documents the API shows (`documents`), and the use cases the HTTP handlers and the guard
orchestration's activities run (`service`). Plain Python: no azure.functions import.
"""
