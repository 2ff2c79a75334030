// @ts-check
// The Create form's own checks, made only from the server's `limits` (GET /api/aks/options):
// no pattern or bound is written here, so the form checks exactly what the server checks.
// Without limits (an older server, options unavailable) only emptiness is checked and the
// server's 400 shows next to the field it names.

/** @typedef {import('./contract.js').InputLimits} InputLimits */
/** @typedef {import('./contract.js').TextLimit} TextLimit */

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
/** @type {Readonly<Record<string, string>>} */
export const SERVER_FIELD_TO_FORM_FIELD = Object.freeze({
  user_pool: 'user_vm_size',
  'user_pool.node_vm_size': 'user_vm_size',
  'user_pool.node_count': 'user_node_count',
});

// Choices shown only while GET /api/aks/options has not answered (or failed), so the form
// always works; the server still checks whatever is sent.
export const REGIONS = [
  'eastus', 'eastus2', 'centralus', 'westus2', 'westus3', 'canadacentral', 'northeurope',
  'westeurope', 'uksouth', 'francecentral', 'germanywestcentral', 'swedencentral',
  'switzerlandnorth', 'southeastasia', 'japaneast', 'australiaeast', 'centralindia',
];
export const DEFAULT_REGION = 'eastus';
export const VM_SIZES = [
  'Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_D8s_v5', 'Standard_D2as_v5', 'Standard_B2s',
  'Standard_B2ms', 'Standard_DS2_v2', 'Standard_E2s_v5',
];
export const DEFAULT_VM_SIZE = 'Standard_D2s_v5';
export const DEFAULT_NODE_COUNT = 1;

/** @param {unknown} value */
const asText = (value) => (value === null || value === undefined ? '' : String(value)).trim();

/**
 * The server's pattern as a whole-value JavaScript RegExp, or null when it cannot be read.
 * @param {string | undefined} pattern
 */
export function wholeValuePattern(pattern) {
  if (typeof pattern !== 'string' || pattern === '') return null;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

/**
 * Problem with a required text value under a TextLimit, or null when it is acceptable.
 * @param {unknown} value
 * @param {TextLimit | undefined} limit
 * @param {string} label the field's label ("Cluster name")
 */
export function checkText(value, limit, label) {
  const text = asText(value);
  if (text === '') return `Enter a ${label.toLowerCase()}.`;
  if (!limit) return null;
  if (typeof limit.max_length === 'number' && text.length > limit.max_length) {
    return `${label} must be at most ${limit.max_length} characters.`;
  }
  const pattern = wholeValuePattern(limit.pattern);
  if (pattern && !pattern.test(text)) return `${label} must match the pattern ${limit.pattern}.`;
  return null;
}

/**
 * Problem with a count: a whole number, within the server's bounds when it gave them.
 * @param {unknown} value
 * @param {{min?: number, max?: number} | undefined} range
 * @param {string} label
 */
export function checkCount(value, range, label) {
  const text = asText(value);
  if (text === '') return `Enter a ${label.toLowerCase()}.`;
  if (!/^\d+$/.test(text)) return `${label} must be a whole number.`;
  const count = Number(text);
  const { min, max } = range ?? {};
  const tooLow = typeof min === 'number' && count < min;
  const tooHigh = typeof max === 'number' && count > max;
  if (tooLow || tooHigh) {
    if (typeof min === 'number' && typeof max === 'number') return `${label} must be from ${min} to ${max}.`;
    return tooLow ? `${label} must be at least ${min}.` : `${label} must be at most ${max}.`;
  }
  return null;
}

/**
 * Problem with a value chosen from a list (`choices`), or null.
 * @param {unknown} value
 * @param {string[]} choices
 * @param {string} label
 */
export function checkChoice(value, choices, label) {
  const chosen = asText(value);
  if (chosen === '') return `Choose a ${label.toLowerCase()}.`;
  return choices.includes(chosen) ? null : `Choose a ${label.toLowerCase()} from the list.`;
}

/**
 * @typedef {object} FormValues
 * @property {string} cluster_name
 * @property {string} resource_group
 * @property {string} region
 * @property {string} node_vm_size
 * @property {string} node_count
 * @property {string} kubernetes_version
 * @property {boolean} workload_pool
 * @property {string} user_vm_size
 * @property {string} user_node_count
 * @property {string} [preset]
 */

/**
 * @typedef {object} ProvisionBody
 * @property {string} cluster_name
 * @property {string} resource_group
 * @property {string} region
 * @property {string} node_vm_size
 * @property {number} node_count
 * @property {string} [kubernetes_version]
 * @property {{node_vm_size: string, node_count: number}} [user_pool]
 * @property {string} [retry_of]
 */

/**
 * The provision/preflight body of checked form values (the workload pool only when enabled).
 * @param {FormValues} values
 * @returns {ProvisionBody}
 */
export function requestBody(values) {
  /** @type {ProvisionBody} */
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

/**
 * @typedef {object} FormContext
 * @property {string[]} regions the Region select's choices
 * @property {string[]} vmSizes the VM size selects' choices
 * @property {InputLimits | null} limits the server's limits, or null when not known
 */

/**
 * Each field's problem (or null); the workload pool's fields only when it is enabled.
 * @param {FormValues} values
 * @param {FormContext} context
 * @returns {Record<string, string | null>}
 */
function fieldProblems(values, { regions, vmSizes, limits }) {
  /** @type {Record<string, string | null>} */
  const problems = {
    cluster_name: checkText(values.cluster_name, limits?.cluster_name, 'Cluster name'),
    resource_group: checkText(values.resource_group, limits?.resource_group, 'Resource group'),
    region: checkChoice(values.region, regions, 'Region'),
    node_vm_size: checkChoice(values.node_vm_size, vmSizes, 'Node VM size'),
    node_count: checkCount(values.node_count, limits?.node_count, 'Node count'),
  };
  if (values.workload_pool) {
    problems.user_vm_size = checkChoice(values.user_vm_size, vmSizes, 'Workload VM size');
    problems.user_node_count = checkCount(values.user_node_count, limits?.node_count, 'Workload node count');
  }
  return problems;
}

/**
 * Check raw form values; returns `{ok, errors: {field: message}, body}` where body is the
 * JSON request for POST /api/aks/provision and /api/aks/preflight (only when ok).
 * @param {FormValues} values
 * @param {FormContext} context
 * @returns {{ok: true, errors: Record<string, string>, body: ProvisionBody} | {ok: false, errors: Record<string, string>, body: null}}
 */
export function validateProvisionForm(values, context) {
  /** @type {Record<string, string>} */
  const errors = {};
  for (const [field, problem] of Object.entries(fieldProblems(values, context))) {
    if (problem) errors[field] = problem;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, body: null };
  return { ok: true, errors, body: requestBody(values) };
}
