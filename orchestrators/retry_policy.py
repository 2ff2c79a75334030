"""Retry policies for activities: transient ARM faults and storage hiccups only."""

import azure.durable_functions as df

# Transient ARM faults (429, 5xx, "another operation is in progress") after azure-core's own
# three retries: five more tries, 5 s apart. Terminal faults return a value and never retry.
ARM_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=5)
# The terminal outcome must be stored: keep trying through a storage outage (~5 minutes).
OUTCOME_RETRY = df.RetryOptions(
    first_retry_interval_in_milliseconds=10000, max_number_of_attempts=30
)
