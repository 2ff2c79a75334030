"""Request validation: bad input is rejected here, naming the field, before it reaches ARM."""

from __future__ import annotations

import json
import re
from typing import Any

from provisioning.models import AccessMode, NodePool, ProvisionRequest

MAX_BODY_BYTES = 16 * 1024
MAX_REPORTED_KEY_CHARS = 64
MAX_IDEMPOTENCY_KEY_CHARS = 200
# Printable ASCII (0x20-0x7E) only: a key is compared byte for byte and hashed as UTF-8, so
# nothing a header decoder could read two ways (or a stray undecodable byte) may get in.
IDEMPOTENCY_KEY_PATTERN = re.compile(rf"[\x20-\x7e]{{1,{MAX_IDEMPOTENCY_KEY_CHARS}}}")
IDEMPOTENCY_KEY_RULE = (
    f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters"
)

# Defaults for the optional fields. One node keeps a forgotten test cluster cheap; users who
# want a highly available system pool ask for 2-3 nodes explicitly.
DEFAULT_NODE_VM_SIZE = "Standard_D2s_v5"
DEFAULT_NODE_COUNT = 1
MIN_NODE_COUNT = 1
MAX_NODE_COUNT = 100

ALLOWED_FIELDS = frozenset(
    {
        "cluster_name",
        "resource_group",
        "region",
        "node_vm_size",
        "node_count",
        "kubernetes_version",
        "user_pool",
        "access",
        "retry_of",
    }
)
USER_POOL_FIELDS = ("node_vm_size", "node_count")
REQUIRED_FIELDS = ("cluster_name", "resource_group", "region")

# Every pattern is ASCII-only and applied with fullmatch, so "\d" never admits other scripts'
# digits and "$" never admits a trailing newline.
CLUSTER_NAME_PATTERN = re.compile(r"[a-zA-Z0-9]|[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]")
# Azure also allows Unicode letters in resource group names; ASCII keeps every consumer safe.
RESOURCE_GROUP_PATTERN = re.compile(r"[-_().a-zA-Z0-9]{0,89}[-_()a-zA-Z0-9]")
REGION_PATTERN = re.compile(r"[a-z][a-z0-9]{2,39}")
# AKS agent pool names: 1-12 lowercase letters and digits, starting with a letter.
POOL_NAME_PATTERN = re.compile(r"[a-z][a-z0-9]{0,11}")
MAX_CLUSTER_NAME_LENGTH = 63
MAX_RESOURCE_GROUP_LENGTH = 90
MAX_POOL_NAME_LENGTH = 12
VM_SIZE_PATTERN = re.compile(r"Standard_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*")
MAX_VM_SIZE_LENGTH = 64
# Bounded digits: an unbounded version once wedged an attempt (every episode failed to store it).
KUBERNETES_VERSION_PATTERN = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}(?:\.[0-9]{1,4})?")
TASK_ID_PATTERN = re.compile(r"[0-9]{19}-[0-9a-f]{12}")

# Public Azure regions as `az account list-locations` names them (physical regions, including
# restricted-access ones and the EUAP early-access regions; no logical geographies like "europe").
AZURE_PUBLIC_REGIONS = frozenset(
    {
        # Americas
        "eastus",
        "eastus2",
        "centralus",
        "northcentralus",
        "southcentralus",
        "westcentralus",
        "westus",
        "westus2",
        "westus3",
        "centraluseuap",
        "eastus2euap",
        "canadacentral",
        "canadaeast",
        "mexicocentral",
        "brazilsouth",
        "brazilsoutheast",
        "chilecentral",
        # Europe
        "northeurope",
        "westeurope",
        "uksouth",
        "ukwest",
        "francecentral",
        "francesouth",
        "germanywestcentral",
        "germanynorth",
        "switzerlandnorth",
        "switzerlandwest",
        "norwayeast",
        "norwaywest",
        "swedencentral",
        "swedensouth",
        "polandcentral",
        "italynorth",
        "spaincentral",
        "austriaeast",
        "belgiumcentral",
        "denmarkeast",
        # Middle East and Africa
        "uaenorth",
        "uaecentral",
        "qatarcentral",
        "israelcentral",
        "israelnorthwest",
        "southafricanorth",
        "southafricawest",
        # Asia Pacific
        "eastasia",
        "southeastasia",
        "japaneast",
        "japanwest",
        "koreacentral",
        "koreasouth",
        "centralindia",
        "southindia",
        "westindia",
        "jioindiacentral",
        "jioindiawest",
        "australiaeast",
        "australiasoutheast",
        "australiacentral",
        "australiacentral2",
        "newzealandnorth",
        "indonesiacentral",
        "malaysiawest",
        "malaysiasouth",
        "taiwannorth",
        "taiwannorthwest",
    }
)

CLUSTER_NAME_RULE = (
    "cluster_name must be 1-63 characters of letters, digits, '-' or '_', "
    "starting and ending with a letter or digit"
)
RESOURCE_GROUP_RULE = (
    "resource_group must be 1-90 characters of letters, digits, '-', '_', '(', ')' or '.', "
    "and must not end with '.'"
)
REGION_RULE = (
    "region must be an Azure region name in lowercase letters and digits, "
    "such as 'eastus' or 'westeurope'"
)
VM_SIZE_RULE = (
    "node_vm_size must be an Azure VM size name such as 'Standard_D2s_v5' "
    f"(at most {MAX_VM_SIZE_LENGTH} characters)"
)
NODE_COUNT_RULE = f"node_count must be a whole number from {MIN_NODE_COUNT} to {MAX_NODE_COUNT}"
ACCESS_RULE = (
    "access must be "
    + " or ".join(f"'{mode}'" for mode in AccessMode)
    + (f" (default '{AccessMode.ENTRA}')")
)
KUBERNETES_VERSION_RULE = (
    "kubernetes_version must be a version such as '1.30' or '1.30.4', or empty for the default"
)


class RequestValidationError(ValueError):
    """The request is invalid; `field` names what to fix and `message` says how."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"RequestValidationError(field={self.field!r}, message={self.message!r})"


def decode_json_body(raw: bytes) -> object:
    """Parse a request body as strict JSON (field "body" when oversized, malformed or ambiguous).

    Duplicate keys are refused at any depth: with "last one wins" a text/plain form field's
    forced `=` can be hidden in a value that a later duplicate overrides, which is how a plain
    HTML form forges a valid JSON body. NaN and Infinity are not JSON either.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise RequestValidationError("body", f"body must be at most {MAX_BODY_BYTES} bytes")
    try:
        return json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_object_without_duplicate_keys,
            parse_constant=_refuse_non_json_constant,
        )
    except _DuplicateKey as exc:
        raise RequestValidationError(
            "body", f"body must not repeat the key {exc.key!r} in one object"
        ) from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RequestValidationError("body", "body must be valid JSON") from exc


class _DuplicateKey(Exception):
    """A JSON object names the same key twice (raised from inside json.loads)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key[:MAX_REPORTED_KEY_CHARS]


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads hook: build the object, refusing a key that appears twice."""
    built: dict[str, Any] = {}
    for key, value in pairs:
        if key in built:
            raise _DuplicateKey(key)
        built[key] = value
    return built


def _refuse_non_json_constant(name: str) -> object:
    """json.loads hook: NaN, Infinity and -Infinity are Python extensions, not JSON."""
    raise ValueError(f"{name} is not JSON")


def validate_idempotency_key(raw: str | None) -> str | None:
    """An Idempotency-Key header value: absent, or 1-200 printable ASCII characters."""
    if raw is None:
        return None
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(raw):
        raise RequestValidationError("Idempotency-Key", IDEMPOTENCY_KEY_RULE)
    return raw


def validate_provision_request(body: object, subscription_id: str) -> ProvisionRequest:
    """Turn a decoded JSON body into a ProvisionRequest, or raise naming the first bad field."""
    if not isinstance(body, dict):
        raise RequestValidationError("body", "body must be a JSON object")
    unknown = sorted(str(key) for key in body if key not in ALLOWED_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(ALLOWED_FIELDS))
        raise RequestValidationError(
            unknown[0], f"{unknown[0]} is not a known field; allowed fields are {allowed}"
        )
    for name in REQUIRED_FIELDS:
        if body.get(name) is None:
            raise RequestValidationError(name, f"{name} is required")

    cluster_name = _required_string(body, "cluster_name")
    if not CLUSTER_NAME_PATTERN.fullmatch(cluster_name):
        raise RequestValidationError("cluster_name", CLUSTER_NAME_RULE)

    resource_group = _required_string(body, "resource_group")
    if not RESOURCE_GROUP_PATTERN.fullmatch(resource_group):
        raise RequestValidationError("resource_group", RESOURCE_GROUP_RULE)

    retry_of_in(body)  # its form, for preflight as for provision; provision checks the task
    region = validate_region(_required_string(body, "region"))
    node_vm_size = _vm_size(
        _optional_value(body, "node_vm_size", DEFAULT_NODE_VM_SIZE), "node_vm_size"
    )
    node_count = _node_count(_optional_value(body, "node_count", DEFAULT_NODE_COUNT), "node_count")
    return ProvisionRequest(
        subscription_id=subscription_id,
        resource_group=resource_group,
        cluster_name=cluster_name,
        region=region,
        node_vm_size=node_vm_size,
        node_count=node_count,
        kubernetes_version=_kubernetes_version(body.get("kubernetes_version")),
        user_pool=_user_pool(body.get("user_pool")),
        access=_access(body.get("access")),
    )


def retry_of_in(body: object) -> str | None:
    """The task id Edit & retry names (`retry_of`), in task-id form, or None when absent."""
    value = body.get("retry_of") if isinstance(body, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not TASK_ID_PATTERN.fullmatch(value):
        raise RequestValidationError(
            "retry_of", "retry_of must be the task id of your failed or stopped attempt"
        )
    return value


def validate_region(region: str, field: str = "region") -> str:
    """A region name in Azure's shape that is a known public region, else 400 naming `field`."""
    if not REGION_PATTERN.fullmatch(region):
        raise RequestValidationError(field, REGION_RULE)
    if region not in AZURE_PUBLIC_REGIONS:
        raise RequestValidationError(field, f"region '{region}' is not a known public Azure region")
    return region


def _vm_size(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise RequestValidationError(field, f"{field} must be a string")
    if len(value) > MAX_VM_SIZE_LENGTH or not VM_SIZE_PATTERN.fullmatch(value):
        raise RequestValidationError(field, VM_SIZE_RULE.replace("node_vm_size", field, 1))
    return value


def _node_count(value: object, field: str) -> int:
    # bool is an int subclass, and 2.0 is not a whole-number JSON integer: reject both.
    rule = NODE_COUNT_RULE.replace("node_count", field, 1)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestValidationError(field, rule)
    if not MIN_NODE_COUNT <= value <= MAX_NODE_COUNT:
        raise RequestValidationError(field, rule)
    return value


def node_count_in_bounds(value: object, name: str = "node_count", low: int = MIN_NODE_COUNT) -> int:
    """A whole node count within the product's bounds (400 naming the field otherwise)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (low <= value <= MAX_NODE_COUNT)
    ):
        raise RequestValidationError(
            name, f"{name} must be a whole number from {low} to {MAX_NODE_COUNT}"
        )
    return value


def _kubernetes_version(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestValidationError("kubernetes_version", "kubernetes_version must be a string")
    if not KUBERNETES_VERSION_PATTERN.fullmatch(value):
        raise RequestValidationError("kubernetes_version", KUBERNETES_VERSION_RULE)
    return value


def _access(value: object) -> AccessMode:
    """How people will sign in to the cluster: Entra ID (the default) or local accounts."""
    if value is None:
        return AccessMode.ENTRA
    if not isinstance(value, str) or value not in {str(mode) for mode in AccessMode}:
        raise RequestValidationError("access", ACCESS_RULE)
    return AccessMode(value)


def _user_pool(value: object) -> NodePool | None:
    """The optional User-mode workload pool: exactly node_vm_size and node_count."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestValidationError("user_pool", "user_pool must be an object or null")
    unknown = sorted(str(key) for key in value if key not in USER_POOL_FIELDS)
    if unknown:
        raise RequestValidationError(
            f"user_pool.{unknown[0]}",
            f"user_pool.{unknown[0]} is not a known field; allowed fields are "
            + ", ".join(sorted(USER_POOL_FIELDS)),
        )
    for name in USER_POOL_FIELDS:
        if value.get(name) is None:
            raise RequestValidationError(f"user_pool.{name}", f"user_pool.{name} is required")
    return NodePool(
        node_vm_size=_vm_size(value["node_vm_size"], "user_pool.node_vm_size"),
        node_count=_node_count(value["node_count"], "user_pool.node_count"),
    )


def parse_bounded_int(raw: str | None, field: str, default: int, low: int, high: int) -> int:
    """Read an integer query parameter: absent gives the default, out of range is clamped."""
    if raw is None or raw == "":
        return default
    if not isinstance(raw, str) or not re.fullmatch(r"[+-]?[0-9]+", raw):
        raise RequestValidationError(field, f"{field} must be an integer")
    digits = raw.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 18:  # far outside any bound; skip int() on huge inputs
        return low if raw.startswith("-") else high
    return max(low, min(high, int(raw)))


def validate_task_id(raw: object) -> str:
    """Accept only task ids in our own format (inverted ticks, '-', 12 hex characters)."""
    if not isinstance(raw, str) or not TASK_ID_PATTERN.fullmatch(raw):
        raise RequestValidationError("task_id", "task_id is not a valid task id")
    return raw


def _required_string(body: dict[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise RequestValidationError(name, f"{name} must be a string")
    return value


def _optional_value(body: dict[str, Any], name: str, default: object) -> object:
    value = body.get(name)
    return default if value is None else value


def _browser_pattern(pattern: re.Pattern[str]) -> str:
    """The same rule for an HTML `pattern` / JS RegExp, anchored as fullmatch is."""
    return f"^(?:{pattern.pattern})$"


def input_limits() -> dict[str, Any]:
    """The server's own input rules, as the options document's `limits` (README, API)."""
    return {
        "cluster_name": {
            "pattern": _browser_pattern(CLUSTER_NAME_PATTERN),
            "max_length": MAX_CLUSTER_NAME_LENGTH,
        },
        "resource_group": {
            "pattern": _browser_pattern(RESOURCE_GROUP_PATTERN),
            "max_length": MAX_RESOURCE_GROUP_LENGTH,
        },
        "pool_name": {
            "pattern": _browser_pattern(POOL_NAME_PATTERN),
            "max_length": MAX_POOL_NAME_LENGTH,
        },
        "node_count": {"min": MIN_NODE_COUNT, "max": MAX_NODE_COUNT},
    }
