"""Activity names: orchestrators call activities by these constants, never by scattered strings."""

BEGIN_ATTEMPT = "begin_attempt"
SUBMIT_CLUSTER_CREATE = "submit_cluster_create"
POLL_CLUSTER = "poll_cluster"
ABORT_CLUSTER_CREATE = "abort_cluster_create"
SUBMIT_CLUSTER_DELETE = "submit_cluster_delete"
FINISH_ATTEMPT = "finish_attempt"
