// The "Create AKS cluster" dialog: labelled fields, client checks mirroring the server,
// server 400s shown next to the field they name, one Idempotency-Key per submission, and
// the live parts (options, presets, preflight checks, price) rendered from the store.

import { newIdempotencyKey } from '../api.js';
import { createSubmission } from '../create-submission.js';
import { dialogChoices } from '../dialog-choices.js';
import { element, replaceChildren } from '../element.js';
import { chosenOptions } from '../state/options.js';
import { preflightView } from '../state/preflight.js';
import { DEFAULT_NODE_COUNT, DEFAULT_REGION, DEFAULT_VM_SIZE, SERVER_FIELD_TO_FORM_FIELD } from '../validation.js';
import {
  buildField,
  createFormAccess,
  FIELD_SPECS,
  FORM_FIELDS,
  fillSelect,
  setControlValue,
} from './create-dialog-fields.js';
import { createDialogLiveness } from './create-dialog-live.js';
import { createErrorLines, dialogShell } from './create-dialog-shell.js';
import { createPreflightPanel } from './preflight-checks.js';

const DEFAULTS = {
  cluster_name: '',
  resource_group: '',
  region: DEFAULT_REGION,
  node_vm_size: DEFAULT_VM_SIZE,
  node_count: String(DEFAULT_NODE_COUNT),
  kubernetes_version: '',
};
const WORKLOAD_DEFAULTS = { preset: '', workload_pool: false, user_vm_size: DEFAULT_VM_SIZE, user_node_count: '1' };

/** The field to focus for an in-app "edit" action, by error category. */
const FIELD_FOR_CATEGORY = { sku: 'node_vm_size', region: 'region', quota: 'node_count' };

/** The values the dialog opens with: the defaults, overridden by any non-empty prefill. */
export function openingValues(prefill) {
  const values = { ...DEFAULTS };
  const given = (value) => value !== null && value !== undefined && value !== '';
  for (const [name, value] of Object.entries(prefill ?? {})) {
    if (name in values && given(value)) values[name] = String(value);
  }
  return values;
}

/**
 * Create the dialog. `onStarted(answer, body)` runs after a 202; `renderErrorCard(snapshot,
 * {focusField})` builds the ProvisionErrorCard shown when reopened by Edit & retry; `store`
 * holds the options and preflight slices the dialog renders.
 */
export function createCreateDialog({ api, store, onStarted, renderErrorCard, makeKey = newIdempotencyKey }) {
  const fields = Object.fromEntries(FIELD_SPECS.map((spec) => [spec.name, buildField(spec)]));
  const controls = Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.control]));
  const workloadSlot = element('div', { className: 'dialog__workload', attrs: { 'data-testid': 'workload-pool' } });
  const panel = createPreflightPanel({ onApplyNodes: applyNodes, onEditField: (name) => focusField(name) });
  const submission = createSubmission({ api, makeKey });
  let submitting = false;
  let blocked = false;

  const { dialog, form, errorSlot, formError, submitButton } = dialogShell({
    rows: Object.values(fields).filter((field) => field.spec.group !== 'workload').map((field) => field.row),
    workloadSlot,
    panel,
    onSubmit: (event) => submit(event),
    onCancel: () => dialog.close(),
  });
  const { setFieldError, setFormError, clearErrors } = createErrorLines(fields, formError);
  const access = createFormAccess(controls, showWorkloadPool);
  const live = createDialogLiveness({ api, store, form: access });

  /** The workload pool's fields are in the form only while the box is checked. */
  function showWorkloadPool() {
    const rows = FIELD_SPECS.filter((spec) => spec.group === 'workload').map((spec) => fields[spec.name].row);
    replaceChildren(workloadSlot, controls.workload_pool.checked ? rows : null);
  }

  function listenForEdits() {
    for (const spec of FIELD_SPECS) {
      const type = spec.kind === 'select' || spec.kind === 'checkbox' ? 'change' : 'input';
      controls[spec.name].addEventListener(type, () => {
        if (spec.name === 'preset') return live.choosePreset(controls.preset.value);
        setFieldError(spec.name, null);
        if (spec.name === 'workload_pool') showWorkloadPool();
        live.edit(spec.name);
      });
    }
    dialog.addEventListener('close', () => live.stop());
  }

  function focusField(name) {
    (controls[name] ?? controls.cluster_name).focus();
  }

  /** "Apply N nodes": the quota's answer becomes the Node count, checked again. */
  function applyNodes(count) {
    setControlValue(controls.node_count, count);
    setFieldError('node_count', null);
    focusField('node_count');
    live.edit('node_count');
  }

  function updateSubmitButton() {
    submitButton.textContent = blocked ? 'Fix errors above' : 'Create';
    submitButton.disabled = submitting || blocked;
  }

  function renderOptions(options) {
    for (const [name, choices] of Object.entries(dialogChoices(chosenOptions(options)))) {
      fillSelect(controls[name], choices);
    }
  }

  function renderPreflight(preflight) {
    const view = preflightView(preflight);
    panel.render(view);
    blocked = view.blocked;
    updateSubmitButton();
  }

  /** Render what changed in the store (everything on the first call). */
  function render(state, previous) {
    if (state.options !== previous?.options) renderOptions(state.options);
    if (state.preflight !== previous?.preflight) renderPreflight(state.preflight);
  }

  /** Open the dialog, empty or prefilled; `failure` shows its error card at the top. */
  function open({ prefill = null, failure = null } = {}) {
    const values = { ...openingValues(prefill), ...WORKLOAD_DEFAULTS };
    for (const [name, value] of Object.entries(values)) setControlValue(controls[name], value);
    showWorkloadPool();
    clearErrors();
    submission.forget();
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
    live.start(Object.keys(prefill ?? {}).filter((name) => values[name] !== DEFAULTS[name]));
  }

  /** A refused submission: next to the field the server names, else above the form. */
  function showSubmitProblem(problem) {
    const name = SERVER_FIELD_TO_FORM_FIELD[problem.field] ?? problem.field;
    if (problem.status === 400 && name && controls[name]) {
      setFieldError(name, problem.message);
      focusField(name);
    } else {
      setFormError(problem.message || 'The request failed.');
    }
  }

  function setSubmitting(busy) {
    submitting = busy;
    updateSubmitButton();
    if (busy) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
  }

  /** Check the values here first; `{ok, body}` or the field errors already shown. */
  function checkForm() {
    const checked = access.check(access.values());
    if (!checked.ok) {
      for (const [name, message] of Object.entries(checked.errors)) setFieldError(name, message);
      focusField(FORM_FIELDS.find((name) => checked.errors[name]));
    }
    return checked;
  }

  /** Send checked values; a 202 closes the dialog, a refusal is shown where it belongs. */
  async function send(body) {
    setSubmitting(true);
    try {
      const answer = await submission.send(body);
      dialog.close();
      onStarted(answer, body);
    } catch (problem) {
      showSubmitProblem(problem);
    } finally {
      setSubmitting(false);
    }
  }

  function submit(event) {
    event.preventDefault();
    if (submitting || blocked) return;
    clearErrors();
    const checked = checkForm();
    if (checked.ok) send(checked.body);
  }

  listenForEdits();
  render(store.getState(), null);
  store.subscribe(render);
  return { element: dialog, open, close: () => dialog.close(), isOpen: () => dialog.open };
}
