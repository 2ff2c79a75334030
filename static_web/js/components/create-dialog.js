// The "Create AKS cluster" dialog: labelled fields, client checks mirroring the server,
// server 400s shown next to the field they name, one Idempotency-Key per submission.

import { newIdempotencyKey } from '../api.js';
import { element, replaceChildren } from '../element.js';
import {
  DEFAULT_NODE_COUNT,
  DEFAULT_REGION,
  DEFAULT_VM_SIZE,
  FIELDS,
  REGIONS,
  VM_SIZES,
  validateProvisionForm,
} from '../validation.js';

const FIELD_SPECS = [
  { name: 'cluster_name', label: 'Cluster name', kind: 'text', hint: 'Letters, digits, - and _; up to 63 characters.' },
  { name: 'resource_group', label: 'Resource group', kind: 'text', hint: 'An existing resource group in the subscription.' },
  { name: 'region', label: 'Region', kind: 'select', choices: REGIONS },
  { name: 'node_vm_size', label: 'Node VM size', kind: 'select', choices: VM_SIZES },
  { name: 'node_count', label: 'Node count', kind: 'number', hint: 'From 1 to 100 nodes.' },
  { name: 'kubernetes_version', label: 'Kubernetes version', kind: 'text', hint: 'Optional, e.g. 1.30. Leave empty for the default.' },
];

const DEFAULTS = {
  cluster_name: '',
  resource_group: '',
  region: DEFAULT_REGION,
  node_vm_size: DEFAULT_VM_SIZE,
  node_count: String(DEFAULT_NODE_COUNT),
  kubernetes_version: '',
};

/** The field to focus for an in-app "edit" action, by error category. */
const FIELD_FOR_CATEGORY = { sku: 'node_vm_size', region: 'region', quota: 'node_count' };

/** The values the dialog opens with: the defaults, overridden by any non-empty prefill. */
export function openingValues(prefill) {
  const values = { ...DEFAULTS };
  for (const [name, value] of Object.entries(prefill ?? {})) {
    if (name in values && value !== null && value !== undefined && value !== '') values[name] = String(value);
  }
  return values;
}

/** The control for one field spec: a select of its choices or a labelled input. */
function fieldControl(spec, id) {
  if (spec.kind === 'select') {
    return element(
      'select',
      { name: spec.name, attrs: { id, required: true } },
      spec.choices.map((choice) => element('option', { value: choice, text: choice })),
    );
  }
  const attrs = { id, autocomplete: 'off', spellcheck: 'false' };
  if (spec.name !== 'kubernetes_version') attrs.required = true;
  if (spec.kind === 'number') Object.assign(attrs, { min: 1, max: 100, step: 1, inputmode: 'numeric' });
  if (spec.name === 'kubernetes_version') attrs.placeholder = 'default';
  return element('input', { type: spec.kind, name: spec.name, attrs });
}

/** One labelled field with its hint and error line: `{row, control, note}`. */
function buildField(spec) {
  const id = `field-${spec.name}`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const control = fieldControl(spec, id);
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const note = element('p', { className: 'field__error', hidden: true, attrs: { id: errorId } });
  const row = element(
    'div',
    { className: `field field--${spec.name}` },
    element('label', { text: spec.label, attrs: { for: id } }),
    control,
    spec.hint ? element('p', { className: 'field__hint', text: spec.hint, attrs: { id: hintId } }) : null,
    note,
  );
  return { row, control, note };
}

/** Make sure a select can show a prefilled value that is not among its usual choices. */
function ensureOption(select, value) {
  if (!value || [...select.options].some((option) => option.value === value)) return;
  select.append(element('option', { value, text: value }));
}

/** The dialog's fixed parts around the field rows. */
function dialogShell(rows, { onSubmit, onCancel }) {
  const formError = element('p', {
    className: 'form-error',
    hidden: true,
    attrs: { role: 'alert', 'data-testid': 'form-error' },
  });
  const errorSlot = element('div', { className: 'dialog__error-slot' });
  const submitButton = element('button', { type: 'submit', className: 'button button--primary', text: 'Create' });
  const cancelButton = element('button', {
    type: 'button',
    className: 'button button--quiet',
    text: 'Cancel',
    on: { click: onCancel },
  });
  const form = element(
    'form',
    { className: 'dialog__form', noValidate: true, on: { submit: onSubmit } },
    element('h2', { className: 'dialog__title', text: 'Create AKS cluster', attrs: { id: 'create-dialog-title' } }),
    errorSlot,
    formError,
    element('div', { className: 'dialog__fields' }, rows),
    element('div', { className: 'dialog__buttons' }, cancelButton, submitButton),
  );
  const dialog = element(
    'dialog',
    { className: 'dialog', attrs: { 'aria-labelledby': 'create-dialog-title', 'data-testid': 'create-dialog' } },
    form,
  );
  return { dialog, form, errorSlot, formError, submitButton };
}

/**
 * Create the dialog. `onStarted(answer, body)` runs after a 202; `renderErrorCard(snapshot,
 * {focusField})` builds the ProvisionErrorCard shown when reopened by Edit & retry.
 */
export function createCreateDialog({ api, onStarted, renderErrorCard, makeKey = newIdempotencyKey }) {
  const fields = Object.fromEntries(FIELD_SPECS.map((spec) => [spec.name, buildField(spec)]));
  const controls = Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.control]));
  let pending = false;
  let submission = null; // {key, bodyJson}: reused only for a resend of the same values
  for (const name of FIELDS) controls[name].addEventListener('input', () => setFieldError(name, null));

  const { dialog, form, errorSlot, formError, submitButton } = dialogShell(
    Object.values(fields).map((field) => field.row),
    { onSubmit: (event) => submit(event), onCancel: () => dialog.close() },
  );

  function setFieldError(name, message) {
    const field = fields[name];
    if (!field) return;
    field.note.textContent = message ?? '';
    field.note.hidden = !message;
    if (message) field.control.setAttribute('aria-invalid', 'true');
    else field.control.removeAttribute('aria-invalid');
  }

  function setFormError(message) {
    formError.textContent = message ?? '';
    formError.hidden = !message;
  }

  function clearErrors() {
    for (const name of FIELDS) setFieldError(name, null);
    setFormError(null);
  }

  const readValues = () => Object.fromEntries(FIELDS.map((name) => [name, controls[name].value]));
  const choicesOf = (name) => [...controls[name].options].map((option) => option.value);

  function focusField(name) {
    (controls[name] ?? controls.cluster_name).focus();
  }

  /** Open the dialog, empty or prefilled; `failure` shows its error card at the top. */
  function open({ prefill = null, failure = null } = {}) {
    const values = openingValues(prefill);
    ensureOption(controls.region, values.region);
    ensureOption(controls.node_vm_size, values.node_vm_size);
    for (const name of FIELDS) controls[name].value = values[name];
    clearErrors();
    submission = null;
    replaceChildren(
      errorSlot,
      failure
        ? renderErrorCard(failure, {
            focusField: () => focusField(FIELD_FOR_CATEGORY[failure.error?.category] ?? 'cluster_name'),
          })
        : null,
    );
    if (!dialog.open) dialog.showModal();
    focusField('cluster_name');
  }

  /** A refused submission: next to the field the server names, else above the form. */
  function showSubmitProblem(problem) {
    if (problem.status === 400 && problem.field && controls[problem.field]) {
      setFieldError(problem.field, problem.message);
      focusField(problem.field);
    } else {
      setFormError(problem.message || 'The request failed.');
    }
  }

  function setPending(busy) {
    pending = busy;
    submitButton.disabled = busy;
    if (busy) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
  }

  /** Check the values here first; `{ok, body}` or the field errors already shown. */
  function checkForm() {
    const checked = validateProvisionForm(readValues(), {
      regions: choicesOf('region'),
      vmSizes: choicesOf('node_vm_size'),
    });
    if (!checked.ok) {
      for (const [name, message] of Object.entries(checked.errors)) setFieldError(name, message);
      focusField(FIELDS.find((name) => checked.errors[name]));
    }
    return checked;
  }

  async function submit(event) {
    event.preventDefault();
    if (pending) return;
    clearErrors();
    const checked = checkForm();
    if (!checked.ok) return;
    const bodyJson = JSON.stringify(checked.body);
    if (!submission || submission.bodyJson !== bodyJson) submission = { key: makeKey(), bodyJson };
    setPending(true);
    try {
      const answer = await api.provision(checked.body, { idempotencyKey: submission.key });
      submission = null;
      dialog.close();
      onStarted(answer, checked.body);
    } catch (problem) {
      // A network failure may have reached the server: keep the key so a resend is deduplicated.
      if (problem.status !== 0) submission = null;
      showSubmitProblem(problem);
    } finally {
      setPending(false);
    }
  }

  return { element: dialog, open, close: () => dialog.close(), isOpen: () => dialog.open };
}
