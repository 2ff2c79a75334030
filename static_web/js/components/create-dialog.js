// @ts-check
// The "Create AKS cluster" dialog: labelled fields (selects filled from the server's options,
// hints and bounds from its limits), the preflight checks and price, and a footer whose
// Create button stays in view however long the form grows.

import { html } from 'htm/preact';
import { useRef } from 'preact/hooks';

import { PRESETS } from '../preflight-model.js';
import { ProvisionErrorCard } from './error-card.js';
import { Modal } from './modal.js';
import { PreflightChecks } from './preflight-checks.js';
import { useApp } from './shared.js';

/** @typedef {import('../validation.js').FormValues} FormValues */
/** @typedef {import('../contract.js').InputLimits} InputLimits */
/** @typedef {import('../dialog-choices.js').Choice} Choice */

/**
 * @typedef {object} FieldSpec
 * @property {keyof FormValues} name
 * @property {string} label
 * @property {'text' | 'select' | 'number' | 'checkbox'} kind
 * @property {'preset' | 'region' | 'node_vm_size' | 'user_vm_size' | 'kubernetes_version'} [choices]
 * @property {(limits: InputLimits | null) => string | null} [hint]
 * @property {boolean} [workload] shown only while Workload pool is checked
 * @property {boolean} [optional]
 */

/** @type {Choice[]} */
const PRESET_CHOICES = [
  { value: '', label: 'Custom', disabled: false },
  ...PRESETS.map((preset) => ({ value: preset.name, label: preset.name, disabled: false })),
];

/** @param {{max_length?: number} | undefined} limit */
const lengthHint = (limit) => (typeof limit?.max_length === 'number' ? `Up to ${limit.max_length} characters.` : null);

/** @param {{min?: number, max?: number} | undefined} range */
const rangeHint = (range) =>
  typeof range?.min === 'number' && typeof range?.max === 'number' ? `From ${range.min} to ${range.max} nodes.` : null;

/** Every control of the dialog, in form order. @type {FieldSpec[]} */
const FIELD_SPECS = [
  { name: 'preset', label: 'Preset', kind: 'select', choices: 'preset', optional: true,
    hint: () => 'Fills sizes and counts; fields you changed keep your value.' },
  { name: 'cluster_name', label: 'Cluster name', kind: 'text', hint: (limits) => lengthHint(limits?.cluster_name) },
  { name: 'resource_group', label: 'Resource group', kind: 'text',
    hint: (limits) => ['An existing resource group in the subscription.', lengthHint(limits?.resource_group)].filter(Boolean).join(' ') },
  { name: 'region', label: 'Region', kind: 'select', choices: 'region' },
  { name: 'kubernetes_version', label: 'Kubernetes version', kind: 'select', choices: 'kubernetes_version', optional: true },
  { name: 'node_vm_size', label: 'Node VM size', kind: 'select', choices: 'node_vm_size' },
  { name: 'node_count', label: 'Node count', kind: 'number', hint: (limits) => rangeHint(limits?.node_count) },
  { name: 'workload_pool', label: 'Workload pool', kind: 'checkbox', optional: true,
    hint: () => 'Adds a User-mode node pool for workloads next to the System pool.' },
  { name: 'user_vm_size', label: 'Workload VM size', kind: 'select', choices: 'user_vm_size', workload: true },
  { name: 'user_node_count', label: 'Workload node count', kind: 'number', workload: true,
    hint: (limits) => rangeHint(limits?.node_count) },
];

/** @param {string} name */
const fieldId = (name) => `field-${name}`;

/**
 * Open the dialog empty, or filled from a failed attempt (Edit & retry).
 * @param {{dashboard: import('../dashboard.js').Dashboard, createForm: import('../create-form.js').CreateForm}} app
 * @param {{failure?: import('../failure-snapshot.js').Snapshot}} [from]
 */
export function openCreateDialog(app, from = {}) {
  app.createForm.open(from);
  app.dashboard.openDialog({ kind: 'create' });
}

/**
 * One labelled field with its hint and error line.
 * @param {{spec: FieldSpec, inputRef?: {current: HTMLInputElement | null}}} props
 */
function Field({ spec, inputRef }) {
  const { createForm, dashboard } = useApp();
  const value = createForm.values.value[spec.name];
  const error = createForm.errors.value[spec.name];
  const limits = dashboard.limits.value;
  const id = fieldId(spec.name);
  const hint = spec.hint?.(limits) ?? null;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  /** @param {Event} event */
  const changed = (event) => {
    const target = /** @type {HTMLInputElement} */ (event.currentTarget);
    createForm.edit(spec.name, spec.kind === 'checkbox' ? target.checked : target.value);
  };
  const common = { id, name: spec.name, 'aria-describedby': describedBy, 'aria-invalid': error ? 'true' : undefined };
  let control;
  if (spec.kind === 'select') {
    const listed = spec.choices === 'preset' ? PRESET_CHOICES : createForm.choices.value[spec.choices ?? 'region'];
    const text = String(value);
    const choices = text === '' || listed.some((choice) => choice.value === text)
      ? listed
      : [...listed, { value: text, label: text, disabled: false }];
    control = html`<select ...${common} required=${!spec.optional} value=${text} onChange=${changed}>
      ${choices.map((choice) => html`<option value=${choice.value} disabled=${choice.disabled}>${choice.label}</option>`)}
    </select>`;
  } else if (spec.kind === 'checkbox') {
    control = html`<input ...${common} type="checkbox" checked=${value === true} onChange=${changed} />`;
  } else {
    const range = spec.kind === 'number' ? limits?.node_count : undefined;
    control = html`<input ...${common} ref=${inputRef} type=${spec.kind} value=${String(value)} required autocomplete="off"
      spellcheck=${false} inputmode=${spec.kind === 'number' ? 'numeric' : undefined} min=${range?.min} max=${range?.max}
      onInput=${changed} />`;
  }
  const label = html`<label for=${id}>${spec.label}</label>`;
  return html`<div class=${`field field--${spec.name}`}>
    ${spec.kind === 'checkbox' ? html`<span class="field__check">${control}${label}</span>` : [label, control]}
    ${hint ? html`<p class="field__hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field__error" id=${`${id}-error`}>${error}</p>` : null}
  </div>`;
}

/** @param {string} name */
function focusField(name) {
  document.getElementById(fieldId(name))?.focus();
}

export function CreateDialog() {
  const { dashboard, createForm } = useApp();
  const firstField = useRef(/** @type {HTMLInputElement | null} */ (null));
  const values = createForm.values.value;
  const view = createForm.view.value;
  const failure = createForm.failure.value;
  const formError = createForm.formError.value;
  const submitting = createForm.submitting.value;
  const close = () => {
    createForm.close();
    dashboard.closeDialog();
  };

  /** @param {Event} event */
  async function submit(event) {
    event.preventDefault();
    const outcome = await createForm.submit();
    if ('started' in outcome) {
      dashboard.closeDialog();
      dashboard.attemptStarted(outcome.started, outcome.body);
    } else if (outcome.field) {
      focusField(outcome.field);
    }
  }

  const handlers = {
    /** @param {number} count */
    onApplyNodes: (count) => {
      createForm.applyNodes(count);
      focusField('node_count');
    },
    /** @param {string} field */
    onEditField: (field) => focusField(field),
  };
  return html`<${Modal} titleId="create-dialog-title" testId="create-dialog" className="dialog dialog--create" onClose=${close}
      initialFocus=${firstField}>
    <form class="dialog__form dialog__form--scrolling" novalidate onSubmit=${submit} aria-busy=${submitting ? 'true' : null}>
      <div class="dialog__body">
        <h2 class="dialog__title" id="create-dialog-title">Create AKS cluster</h2>
        ${failure
          ? html`<${ProvisionErrorCard} snapshot=${failure}
              onEditAction=${() => focusField(createForm.fieldForCategory(failure.error?.category))} />`
          : null}
        ${formError ? html`<p class="form-error" role="alert" data-testid="form-error">${formError}</p>` : null}
        <div class="dialog__fields">
          ${FIELD_SPECS.filter((spec) => !spec.workload || values.workload_pool).map(
            (spec) => html`<${Field} key=${spec.name} spec=${spec} inputRef=${spec.name === 'cluster_name' ? firstField : undefined} />`,
          )}
        </div>
        <p class="price-line" data-testid="price-line">${view.price}</p>
        <${PreflightChecks} checks=${view.checks} busy=${view.busy} note=${view.note} handlers=${handlers} />
      </div>
      <div class="dialog__buttons dialog__footer">
        <button type="button" class="button button--quiet" onClick=${close}>Cancel</button>
        <button type="submit" class="button button--primary" disabled=${submitting || view.blocked}>${view.submitLabel}</button>
      </div>
    </form>
  <//>`;
}
