"""A local HTTPS stand-in for the ARM APIs the product calls, so the real Azure SDKs run offline.

Modules: `server` (app, middleware, route dispatch), `cluster_routes` / `catalog_routes` (the
route tables), `clusters` + `lifecycle` + `operations` (state), `documents` (resource bodies),
`regions`, `vm_sizes`, `usages`, `resource_groups`, `kubernetes_versions` (catalog data as
tables), `conditions` (If-Match / If-None-Match), `retail_prices` + `retail_prices_api`.

Run: `python -m local.arm_simulator --port 7443 --data-dir .local-data/arm-simulator`; clients
pass `base_url="https://127.0.0.1:7443"` and `connection_verify=<data-dir>/cert.pem`. Scenarios
by cluster-name prefix are in `scenarios.py` (DESIGN.md section 8). Choices beyond the table:

- Abort with no running create answers 409 `OperationNotAllowed` without "in progress" wording
  (Azure documents 409 there; the wording keeps the classifier from calling it transient).
- PUT while an operation runs answers 409 `OperationNotAllowed` "Another operation (...) is in
  progress" (AKS's wording, deliberately transient); PUT on a Succeeded cluster updates in place
  (200); PUT on a cluster whose create Failed or was Canceled starts a new create (201).
  The kubernetesVersion of a create is not checked against the offered versions; an upgrade's is.
- Conditional writes (`conditions.py`): `If-None-Match: *` on an existing cluster and `If-Match`
  with another or no cluster's eTag answer 412 `PreconditionFailed`; the eTag (body `eTag`,
  header `ETag`) is a GUID renewed on every accepted write, not on state progress.
- An aborted create ends `Canceled` with error `OperationCancelled`; a delete during a create
  preempts it (`OperationPreempted`). Resource ids use AKS's lower-case `resourcegroups`.
- The certificate is reused across restarts while valid, so trust survives a restart.
- `ARM_SIMULATOR_CANCEL_SECONDS` (default 1) sets how long `Canceling` lasts.
- Stop, start, upgrade (a PUT with a new kubernetesVersion) and agent-pool PUTs are async
  operations of `ARM_SIMULATOR_CREATE_SECONDS`; their effect on powerState and
  currentKubernetesVersion shows once they succeed, so an aborted one changes nothing but the
  provisioningState (`Canceled`). While a pool operation runs the cluster reads `Updating`.
- Usages count every existing cluster in the region (also Failed and Stopped ones): simple and
  predictable, where Azure would not count deallocated nodes. Creates are not refused for quota
  (only `quota-` names are); preflight reads the numbers.
- The Retail Prices API is served on the same HTTPS port without authentication.
"""
