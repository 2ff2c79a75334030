// @ts-check
// The Create dialog without its DOM: the values, presets that keep the user's edits, options
// per region, a debounced preflight of values that pass the form's own checks (made from the
// server's limits), and the submission with its Idempotency-Key and `retry_of`.

import { computed, signal } from '@preact/signals-core';

import { createSubmission } from './create-submission.js';
import { dialogChoices } from './dialog-choices.js';
import { requestFromSnapshot } from './failure-snapshot.js';
import { applyPreset, createPreflightRunner, PRESETS, priceLine, submitState } from './preflight-model.js';
import {
  DEFAULT_NODE_COUNT,
  DEFAULT_REGION,
  DEFAULT_VM_SIZE,
  SERVER_FIELD_TO_FORM_FIELD,
  validateProvisionForm,
} from './validation.js';

/** @typedef {import('./validation.js').FormValues} FormValues */
/** @typedef {import('./contract.js').PreflightResult} PreflightResult */
/** @typedef {import('./failure-snapshot.js').Snapshot} Snapshot */

/** @type {Readonly<FormValues>} */
export const DEFAULT_VALUES = Object.freeze({
  preset: '',
  cluster_name: '',
  resource_group: '',
  region: DEFAULT_REGION,
  node_vm_size: DEFAULT_VM_SIZE,
  node_count: String(DEFAULT_NODE_COUNT),
  kubernetes_version: '',
  workload_pool: false,
  user_vm_size: DEFAULT_VM_SIZE,
  user_node_count: '1',
});

/** The form's fields in order (the first with a problem gets focus). */
export const FORM_ORDER = /** @type {const} */ ([
  'cluster_name', 'resource_group', 'region', 'kubernetes_version', 'node_vm_size', 'node_count',
  'workload_pool', 'user_vm_size', 'user_node_count',
]);

export const PREFLIGHT_NOTES = Object.freeze({
  idle: 'Checks run against Azure once the required fields are filled in.',
  checking: 'Checking…',
  unavailable: 'Preflight checks are unavailable right now; you can still create.',
  passed: 'No check fails.',
  failed: 'Fix the failing checks to create.',
});

/** Fields a preset fills; once the user edits one, presets leave it alone. */
const PRESET_FIELDS = new Set(PRESETS.flatMap((preset) => Object.keys(preset.values)));

/** The field to focus for an in-app "edit" action, by error category. */
/** @type {Record<string, keyof FormValues>} */
const FIELD_FOR_CATEGORY = { sku: 'node_vm_size', region: 'region', quota: 'node_count' };

/**
 * The values the dialog opens with: the defaults, overridden by any non-empty prefill.
 * @param {Record<string, unknown> | null | undefined} prefill
 * @returns {FormValues}
 */
export function openingValues(prefill) {
  /** @type {Record<string, unknown>} */
  const values = { ...DEFAULT_VALUES };
  for (const [name, value] of Object.entries(prefill ?? {})) {
    if (name in values && value !== null && value !== undefined && value !== '') values[name] = String(value);
  }
  return /** @type {FormValues} */ (values);
}

/**
 * The preflight as the dialog shows it: the checks, the note, the price line and the submit.
 * @param {{status: string, result: PreflightResult | null}} preflight
 */
export function preflightView(preflight) {
  const submit = submitState(preflight.status === 'done' ? preflight.result : null);
  const note =
    preflight.status !== 'done'
      ? (PREFLIGHT_NOTES[/** @type {'idle' | 'checking' | 'unavailable'} */ (preflight.status)] ?? '')
      : submit.blocked
        ? PREFLIGHT_NOTES.failed
        : PREFLIGHT_NOTES.passed;
  return {
    checks: Array.isArray(preflight.result?.checks) ? preflight.result.checks : [],
    busy: preflight.status === 'checking',
    note,
    price: priceLine(preflight.result?.cost ?? null),
    blocked: submit.blocked,
    submitLabel: submit.label,
  };
}

/**
 * @typedef {object} CreateFormDeps
 * @property {Pick<import('./api.js').ApiClient, 'preflight' | 'provision'>} api
 * @property {Pick<import('./dashboard.js').Dashboard, 'state' | 'limits' | 'loadOptions'>} dashboard
 * @property {() => string} [makeKey]
 * @property {(fn: () => void, ms: number) => unknown} [setTimer]
 * @property {(id: any) => void} [clearTimer]
 */

/** @param {CreateFormDeps} deps */
export function createCreateForm({ api, dashboard, makeKey, setTimer, clearTimer }) {
  const values = signal(/** @type {FormValues} */ ({ ...DEFAULT_VALUES }));
  /** @type {import('@preact/signals-core').Signal<Record<string, string>>} */
  const errors = signal({});
  const formError = signal(/** @type {string | null} */ (null));
  const failure = signal(/** @type {Snapshot | null} */ (null));
  const submitting = signal(false);
  const preflight = signal({ status: 'idle', result: /** @type {PreflightResult | null} */ (null) });
  const edited = new Set();
  const submission = createSubmission({ api, ...(makeKey ? { makeKey } : {}) });
  const runner = createPreflightRunner({
    fetchPreflight: (body, abort) => api.preflight(body, { signal: abort }),
    onPending: (busy) => {
      if (busy) preflight.value = { status: 'checking', result: preflight.peek().result };
    },
    onResult: ({ result, error }) => {
      preflight.value = error || !result ? { status: 'unavailable', result: null } : { status: 'done', result };
    },
    ...(setTimer ? { setTimer } : {}),
    ...(clearTimer ? { clearTimer } : {}),
  });

  const options = computed(() => {
    const { region, byRegion } = dashboard.state.options.value;
    return region === null ? null : (byRegion[region] ?? null);
  });
  const choices = computed(() => dialogChoices(options.value));
  const view = computed(() => preflightView(preflight.value));

  /** The form's own checks: the server's limits and the selects' current choices. */
  function check() {
    const listed = choices.peek();
    return validateProvisionForm(values.peek(), {
      regions: listed.region.map((choice) => choice.value),
      vmSizes: listed.node_vm_size.map((choice) => choice.value),
      limits: dashboard.limits.peek(),
    });
  }

  /** Re-check about 300 ms after the last change, once the values pass the form's checks. */
  function recheck() {
    const checked = check();
    if (!checked.ok) {
      runner.cancel();
      preflight.value = { status: 'idle', result: null };
      return;
    }
    preflight.value = { status: 'checking', result: preflight.peek().result };
    runner.schedule(checked.body);
  }

  /**
   * @param {string} name
   * @param {string | null} message
   */
  function setError(name, message) {
    const next = { ...errors.peek() };
    if (message) next[name] = message;
    else delete next[name];
    errors.value = next;
  }

  return {
    values,
    errors,
    formError,
    failure,
    submitting,
    choices,
    view,
    loading: computed(() => dashboard.state.options.value.loading),

    /**
     * Open empty, or filled from a failed attempt (Edit & retry, which sends `retry_of`).
     * @param {{prefill?: Record<string, unknown> | null, failure?: Snapshot | null}} [from]
     */
    open({ prefill = null, failure: failed = null } = {}) {
      const start = openingValues(prefill ?? (failed ? requestFromSnapshot(failed) : null));
      values.value = start;
      errors.value = {};
      formError.value = null;
      failure.value = failed;
      submission.forget();
      edited.clear();
      for (const name of PRESET_FIELDS) {
        if (start[/** @type {keyof FormValues} */ (name)] !== DEFAULT_VALUES[/** @type {keyof FormValues} */ (name)]) edited.add(name);
      }
      preflight.value = { status: 'idle', result: null };
      dashboard.loadOptions(start.region);
      recheck();
    },

    /** The dialog closed: nothing more is checked. */
    close() {
      runner.cancel();
      preflight.value = { status: 'idle', result: null };
    },

    /**
     * The user changed a field.
     * @param {keyof FormValues} name
     * @param {string | boolean} value
     */
    edit(name, value) {
      values.value = { ...values.peek(), [name]: value };
      if (name === 'preset') {
        values.value = applyPreset(values.peek(), String(value), edited);
      } else {
        if (PRESET_FIELDS.has(name)) edited.add(name);
        setError(name, null);
        if (name === 'region') dashboard.loadOptions(String(value));
      }
      recheck();
    },

    /**
     * "Apply N nodes": the quota's answer becomes the Node count, checked again.
     * @param {number} count
     */
    applyNodes(count) {
      values.value = { ...values.peek(), node_count: String(count) };
      edited.add('node_count');
      setError('node_count', null);
      recheck();
    },

    /**
     * The field an error card's "edit" action points at.
     * @param {string | undefined} category
     * @returns {keyof FormValues}
     */
    fieldForCategory(category) {
      return (category && FIELD_FOR_CATEGORY[category]) || 'cluster_name';
    },

    /**
     * Check, then send. Resolves `{started}` after a 202, or `{field}` naming the field that
     * needs attention (null when the problem is shown above the form).
     * @returns {Promise<{started: {task_id: string, status?: string}, body: import('./validation.js').ProvisionBody} | {field: string | null}>}
     */
    async submit() {
      if (submitting.peek() || view.peek().blocked) return { field: null };
      errors.value = {};
      formError.value = null;
      const checked = check();
      if (!checked.ok) {
        errors.value = checked.errors;
        return { field: FORM_ORDER.find((name) => checked.errors[name]) ?? null };
      }
      const body = { ...checked.body };
      const failed = failure.peek();
      if (failed) body.retry_of = failed.task_id;
      submitting.value = true;
      try {
        const started = await submission.send(body);
        runner.cancel();
        return { started, body };
      } catch (raw) {
        const problem = /** @type {{status?: number, field?: string | null, message?: string}} */ (raw);
        const name = problem.field ? (SERVER_FIELD_TO_FORM_FIELD[problem.field] ?? problem.field) : null;
        if (problem.status === 400 && name && name in values.peek()) {
          setError(name, problem.message ?? 'The server refused this value.');
          return { field: name };
        }
        formError.value = problem.message || 'The request failed.';
        return { field: null };
      } finally {
        submitting.value = false;
      }
    },
  };
}

/** @typedef {ReturnType<typeof createCreateForm>} CreateForm */
