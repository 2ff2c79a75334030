// @ts-check
// Pure logic of the live Create dialog (README.md, "What the dashboard does"): size labels,
// presets that never overwrite a field the user edited, the price line, the submit state,
// check actions as controls (safe links, commands, Apply N nodes, edits), and a debounced
// preflight runner whose stale answers never overwrite a newer one.

import { safeHttpsUrl } from './failure-presentation.js';

/** @typedef {import('./contract.js').PreflightCheck} PreflightCheck */
/** @typedef {import('./contract.js').PreflightResult} PreflightResult */
/** @typedef {import('./contract.js').VmSizeOption} VmSizeOption */
/** @typedef {import('./contract.js').ErrorAction} ErrorAction */
/** @typedef {Record<string, string | boolean>} PresetValues */

/**
 * "Standard_D4s_v5 — 4 vCPU, 16 GiB", ending "— not available in <region>" when it is not.
 * @param {VmSizeOption} size
 * @param {string | undefined} region
 */
export function sizeLabel(size, region) {
  const memory = Number.isInteger(size.memory_gib) ? size.memory_gib : Number(size.memory_gib);
  const base = `${size.name} — ${size.vcpus} vCPU, ${memory} GiB`;
  return size.available ? base : `${base} — not available in ${region}`;
}

/**
 * Presets fill sizes and counts; at least "Dev/Test" and "Production".
 * @type {readonly {name: string, values: PresetValues}[]}
 */
export const PRESETS = Object.freeze(/** @type {{name: string, values: PresetValues}[]} */ ([
  {
    name: 'Dev/Test',
    values: { node_vm_size: 'Standard_D2s_v5', node_count: '1', workload_pool: false },
  },
  {
    name: 'Production',
    values: {
      node_vm_size: 'Standard_D4s_v5',
      node_count: '3',
      workload_pool: true,
      user_vm_size: 'Standard_D4s_v5',
      user_node_count: '3',
    },
  },
]));

/**
 * The form values after choosing `presetName`: fields in `edited` keep the user's value.
 * @template {Record<string, unknown>} V
 * @param {V} values
 * @param {string} presetName
 * @param {Set<string>} edited
 * @returns {V}
 */
export function applyPreset(values, presetName, edited) {
  const preset = PRESETS.find((p) => p.name === presetName);
  if (!preset) return { ...values };
  /** @type {Record<string, unknown>} */
  const next = { ...values };
  for (const [field, value] of Object.entries(preset.values)) {
    if (!edited.has(field)) next[field] = value;
  }
  return /** @type {V} */ (next);
}

/** @param {number} amount */
export const money = (amount) => `$${amount.toFixed(2)}`;

/**
 * "≈ $X/hr · $Y/month", or "Price unavailable" when preflight could not price the request.
 * @param {{per_hour?: unknown, per_month?: unknown} | null | undefined} cost
 */
export function priceLine(cost) {
  if (!cost || typeof cost.per_hour !== 'number' || typeof cost.per_month !== 'number') {
    return 'Price unavailable';
  }
  return `≈ ${money(cost.per_hour)}/hr · ${money(cost.per_month)}/month`;
}

/**
 * While any completed check fails, Create is blocked and reads "Fix errors above".
 * @param {PreflightResult | null | undefined} result
 */
export function submitState(result) {
  const failing = Boolean(result && result.checks && result.checks.some((c) => c.status === 'fail'));
  return { blocked: failing, label: failing ? 'Fix errors above' : 'Create' };
}

/**
 * The node count a quota failure offers to apply ("Apply N nodes"), or null.
 * @param {PreflightResult | null | undefined} result
 */
export function applyNodesAction(result) {
  for (const check of result?.checks ?? []) {
    const apply = planCheckActions(check).find((item) => item.kind === 'apply_nodes');
    if (apply) return { label: apply.label, value: apply.value };
  }
  return null;
}

/**
 * A check's action as something to show.
 * @typedef {object} PlannedCheckAction
 * @property {'link' | 'text' | 'command' | 'apply_nodes' | 'edit'} kind
 * @property {string} label
 * @property {string} [url]
 * @property {string | number} [value]
 * @property {string | null} [field]
 */

/**
 * The form field a check is about, so its "edit" action can focus it.
 * @type {Readonly<Record<string, string>>}
 */
export const FIELD_FOR_CHECK = Object.freeze({
  vm_size: 'node_vm_size',
  quota: 'node_count',
  resource_group: 'resource_group',
  permission: 'resource_group',
  kubernetes_version: 'kubernetes_version',
  cluster_name: 'cluster_name',
});

/**
 * How each action kind of a check becomes something to show, or null to leave it out.
 * @type {Record<string, (action: ErrorAction & {label: string}, check: PreflightCheck) => PlannedCheckAction | null>}
 */
const ACTION_PLANS = {
  link: (action) => {
    const url = safeHttpsUrl(action.url);
    return url ? { kind: 'link', label: action.label, url } : { kind: 'text', label: action.label };
  },
  command: (action) =>
    typeof action.value === 'string' && action.value ? { kind: 'command', label: action.label, value: action.value } : null,
  apply_nodes: (action) =>
    typeof action.value === 'number' && Number.isInteger(action.value) && action.value >= 1
      ? { kind: 'apply_nodes', label: action.label || `Apply ${action.value} nodes`, value: action.value }
      : null,
  edit: (action, check) => ({ kind: 'edit', label: action.label, field: FIELD_FOR_CHECK[check.id] ?? null }),
};

/**
 * A check's actions as controls: safe links, copyable commands, Apply N nodes, edits.
 * @param {PreflightCheck} check
 * @returns {PlannedCheckAction[]}
 */
export function planCheckActions(check) {
  /** @type {PlannedCheckAction[]} */
  const planned = [];
  for (const action of check?.actions || []) {
    const plan = action && Object.hasOwn(ACTION_PLANS, action.kind) ? ACTION_PLANS[action.kind] : null;
    const item = plan && typeof action.label === 'string' ? plan({ ...action, label: action.label }, check) : null;
    if (item) planned.push(item);
  }
  return planned;
}

// One body builder for provision and preflight lives with the rules that check it.
export { requestBody } from './validation.js';

/**
 * Run preflight about `delayMs` after the last change. Only the newest request's answer is
 * delivered (older ones are aborted and, if they still arrive, ignored); a failed preflight
 * is delivered as `{error}` and never blocks Create.
 * @template B
 * @param {object} deps
 * @param {(body: B, signal: AbortSignal | undefined) => Promise<PreflightResult>} deps.fetchPreflight
 * @param {(outcome: {result?: PreflightResult, error?: unknown}) => void} deps.onResult
 * @param {(busy: boolean) => void} [deps.onPending]
 * @param {number} [deps.delayMs]
 * @param {(fn: () => void, ms: number) => unknown} [deps.setTimer]
 * @param {(id: any) => void} [deps.clearTimer]
 */
export function createPreflightRunner({
  fetchPreflight,
  onResult,
  onPending = () => {},
  delayMs = 300,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  /** @type {unknown} */
  let timer = null;
  let sequence = 0;
  /** @type {AbortController | null} */
  let controller = null;

  /**
   * @param {B} body
   * @param {number} mine
   */
  async function run(body, mine) {
    if (controller) controller.abort();
    controller = typeof AbortController === 'function' ? new AbortController() : null;
    onPending(true);
    let outcome;
    try {
      outcome = { result: await fetchPreflight(body, controller ? controller.signal : undefined) };
    } catch (error) {
      outcome = { error };
    }
    if (mine !== sequence) return; // a newer edit owns the list now
    onPending(false);
    onResult(outcome);
  }

  return {
    /** @param {B} body */
    schedule(body) {
      sequence += 1;
      const mine = sequence;
      if (timer !== null) clearTimer(timer);
      timer = setTimer(() => {
        timer = null;
        run(body, mine);
      }, delayMs);
    },
    cancel() {
      sequence += 1;
      if (timer !== null) clearTimer(timer);
      timer = null;
      if (controller) controller.abort();
      onPending(false);
    },
    get sequence() {
      return sequence;
    },
  };
}
