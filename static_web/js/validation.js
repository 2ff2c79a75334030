// Client-side checks that mirror the server's request rules (docs/reliability.md), so most mistakes
// are caught next to the field before a round trip. The server stays the authority.

export const FIELDS = [
  'cluster_name',
  'resource_group',
  'region',
  'node_vm_size',
  'node_count',
  'kubernetes_version',
];

/** The workload pool's form fields; the server names them `user_pool.*` in its 400s. */
export const WORKLOAD_FIELDS = ['user_vm_size', 'user_node_count'];
export const SERVER_FIELD_TO_FORM_FIELD = Object.freeze({
  user_pool: 'user_vm_size',
  'user_pool.node_vm_size': 'user_vm_size',
  'user_pool.node_count': 'user_node_count',
});

export const REGIONS = [
  'eastus',
  'eastus2',
  'centralus',
  'westus2',
  'westus3',
  'canadacentral',
  'northeurope',
  'westeurope',
  'uksouth',
  'francecentral',
  'germanywestcentral',
  'swedencentral',
  'switzerlandnorth',
  'southeastasia',
  'japaneast',
  'australiaeast',
  'centralindia',
];
export const DEFAULT_REGION = 'eastus';

export const VM_SIZES = [
  'Standard_D2s_v5',
  'Standard_D4s_v5',
  'Standard_D8s_v5',
  'Standard_D2as_v5',
  'Standard_B2s',
  'Standard_B2ms',
  'Standard_DS2_v2',
  'Standard_E2s_v5',
];
export const DEFAULT_VM_SIZE = 'Standard_D2s_v5';
export const DEFAULT_NODE_COUNT = 1;

const CLUSTER_NAME = /^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const RESOURCE_GROUP = /^[-\w().]{1,90}$/;
// The server's patterns (provisioning/validation.py), applied to the whole value.
const REGION = /^[a-z][a-z0-9]{2,39}$/;
const VM_SIZE = /^Standard_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/;
const MAX_VM_SIZE_CHARS = 64;
const KUBERNETES_VERSION = /^\d{1,3}\.\d{1,3}(\.\d{1,4})?$/;
const NODE_COUNT = /^\d{1,3}$/;

export const MIN_NODE_COUNT = 1;
export const MAX_NODE_COUNT = 100;

const asText = (value) => (value === null || value === undefined ? '' : String(value)).trim();

/** Problem with a cluster name, or null when it is acceptable. */
export function checkClusterName(value) {
  const name = asText(value);
  if (name === '') return 'Enter a cluster name.';
  if (name.length > 63) return 'Cluster name must be at most 63 characters.';
  if (!CLUSTER_NAME.test(name)) {
    return 'Cluster name may use letters, digits, - and _, and must start and end with a letter or digit.';
  }
  return null;
}

/** Problem with a resource group name, or null when it is acceptable. */
export function checkResourceGroup(value) {
  const name = asText(value);
  if (name === '') return 'Enter a resource group.';
  if (name.length > 90) return 'Resource group must be at most 90 characters.';
  // \w is ASCII-only in JS without the u flag: letters, digits and _ exactly as required.
  if (!RESOURCE_GROUP.test(name)) {
    return 'Resource group may use letters, digits, -, _, (, ) and . only.';
  }
  if (name.endsWith('.')) return 'Resource group must not end with a period.';
  return null;
}

/** Problem with a region, or null; `choices` (when given) lists the accepted ones. */
export function checkRegion(value, choices = null) {
  const region = asText(value);
  if (region === '') return 'Choose a region.';
  if (!REGION.test(region) || (choices && !choices.includes(region))) {
    return 'Choose a region from the list.';
  }
  return null;
}

/** Problem with a VM size, or null; `choices` (when given) lists the accepted ones. */
export function checkVmSize(value, choices = null, what = 'node VM size') {
  const size = asText(value);
  if (size === '') return `Choose a ${what}.`;
  if (size.length > MAX_VM_SIZE_CHARS || !VM_SIZE.test(size) || (choices && !choices.includes(size))) {
    return `Choose a ${what} from the list.`;
  }
  return null;
}

/** Problem with a node count (a whole number 1..100), or null; `what` names the field. */
export function checkNodeCount(value, what = 'Node count') {
  const text = asText(value);
  const outOfRange = `${what} must be a whole number from 1 to 100.`;
  if (text === '') return `Enter a ${what.toLowerCase()}.`;
  if (!NODE_COUNT.test(text)) return outOfRange;
  const count = Number(text);
  if (count < MIN_NODE_COUNT || count > MAX_NODE_COUNT) return outOfRange;
  return null;
}

/** Problem with an optional Kubernetes version like 1.30 or 1.30.4, or null. */
export function checkKubernetesVersion(value) {
  const version = asText(value);
  if (version === '') return null;
  if (!KUBERNETES_VERSION.test(version)) {
    return 'Kubernetes version must look like 1.30 or 1.30.4, or be left empty.';
  }
  return null;
}

/** The provision/preflight body of checked form values (the workload pool only when enabled). */
export function requestBody(values) {
  const body = {
    cluster_name: asText(values.cluster_name),
    resource_group: asText(values.resource_group),
    region: asText(values.region),
    node_vm_size: asText(values.node_vm_size),
    node_count: Number(asText(values.node_count)),
  };
  const version = asText(values.kubernetes_version);
  if (version !== '') body.kubernetes_version = version;
  if (values.workload_pool) {
    body.user_pool = {
      node_vm_size: asText(values.user_vm_size),
      node_count: Number(asText(values.user_node_count)),
    };
  }
  return body;
}

/** Each field's problem (or null); the workload pool's fields only when it is enabled. */
function fieldProblems(values, { regions, vmSizes }) {
  const problems = {
    cluster_name: checkClusterName(values.cluster_name),
    resource_group: checkResourceGroup(values.resource_group),
    region: checkRegion(values.region, regions),
    node_vm_size: checkVmSize(values.node_vm_size, vmSizes),
    node_count: checkNodeCount(values.node_count),
    kubernetes_version: checkKubernetesVersion(values.kubernetes_version),
  };
  if (values.workload_pool) {
    problems.user_vm_size = checkVmSize(values.user_vm_size, vmSizes, 'workload VM size');
    problems.user_node_count = checkNodeCount(values.user_node_count, 'Workload node count');
  }
  return problems;
}

/**
 * Check raw form values; returns `{ok, errors: {field: message}, body}` where body is the
 * JSON request for POST /api/aks/provision and /api/aks/preflight (only when ok).
 */
export function validateProvisionForm(values, { regions = REGIONS, vmSizes = VM_SIZES } = {}) {
  const errors = {};
  for (const [field, problem] of Object.entries(fieldProblems(values, { regions, vmSizes }))) {
    if (problem) errors[field] = problem;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, body: null };
  return { ok: true, errors, body: requestBody(values) };
}
