// One lifecycle dialog (Scale, Upgrade or Delete cluster) built from its spec: labelled fields,
// a submit enabled by the spec's rule, and the server's refusal shown inside the dialog.

import { element, replaceChildren } from '../element.js';

/** The control for one field: a select of its choices or an input. */
function fieldControl(field, id) {
  if (field.kind === 'select') {
    return element('select', { name: field.name, attrs: { id, required: true } },
      field.choices.map((choice) => element('option', { value: choice.value, text: choice.text })));
  }
  const attrs = { id, autocomplete: 'off', spellcheck: 'false', required: true };
  if (field.kind === 'number') Object.assign(attrs, { min: field.min, max: field.max, step: 1, inputmode: 'numeric' });
  return element('input', { type: field.kind, name: field.name, attrs });
}

/** Build the dialog's fixed parts. */
function dialogShell(kind, spec, { onSubmit, onCancel }) {
  const titleId = `cluster-dialog-${kind}-title`;
  const parts = {
    intro: element('p', { className: 'dialog__intro' }),
    fields: element('div', { className: 'dialog__fields dialog__fields--single' }),
    error: element('p', { className: 'form-error', hidden: true, attrs: { role: 'alert', 'data-testid': 'cluster-dialog-error' } }),
    submit: element('button', { type: 'submit', className: spec.danger ? 'button button--danger' : 'button button--primary', text: spec.submit }),
  };
  parts.form = element(
    'form',
    { className: 'dialog__form', noValidate: true, on: { submit: onSubmit } },
    element('h2', { className: 'dialog__title', text: spec.title, attrs: { id: titleId } }),
    parts.intro,
    parts.error,
    parts.fields,
    element('div', { className: 'dialog__buttons' },
      element('button', { type: 'button', className: 'button button--quiet', text: 'Cancel', on: { click: onCancel } }),
      parts.submit),
  );
  parts.dialog = element('dialog', { className: 'dialog dialog--narrow', attrs: { 'aria-labelledby': titleId, 'data-testid': `cluster-dialog-${kind}` } }, parts.form);
  return parts;
}

/**
 * Create the dialog of `kind` from `spec`. `onSubmit(cluster, body)` resolves when the server
 * accepted the operation and rejects with its ApiError otherwise.
 */
export function createClusterDialog(kind, spec, { onSubmit }) {
  let cluster = null;
  let controls = {};
  let pending = false;
  const parts = dialogShell(kind, spec, { onSubmit: (event) => submit(event), onCancel: () => parts.dialog.close() });

  // A closed dialog keeps no fields, so its labels never shadow the Create dialog's.
  parts.dialog.addEventListener('close', () => {
    replaceChildren(parts.fields);
    controls = {};
  });

  const values = () => Object.fromEntries(Object.entries(controls).map(([name, control]) => [name, control.value]));

  function showError(message) {
    parts.error.textContent = message ?? '';
    parts.error.hidden = !message;
  }

  function refreshSubmit() {
    parts.submit.disabled = pending || (spec.enabled ? !spec.enabled(cluster, values()) : false);
  }

  function onFieldInput(name) {
    const linked = spec.linked?.[name];
    if (linked) for (const [other, value] of Object.entries(linked(cluster, values()))) controls[other].value = value;
    showError(null);
    refreshSubmit();
  }

  function buildFields() {
    const fields = spec.fields(cluster);
    controls = {};
    const rows = fields.map((field) => {
      const id = `cluster-dialog-${kind}-${field.name}`;
      const control = fieldControl(field, id);
      control.value = field.value;
      control.addEventListener('input', () => onFieldInput(field.name));
      controls[field.name] = control;
      return element('div', { className: `field field--${field.name}` }, element('label', { text: field.label, attrs: { for: id } }), control);
    });
    replaceChildren(parts.fields, rows);
  }

  /** Open for `cluster`, with fresh fields and no error. */
  function open(forCluster) {
    cluster = forCluster;
    parts.intro.textContent = spec.intro(cluster);
    buildFields();
    showError(null);
    refreshSubmit();
    if (!parts.dialog.open) parts.dialog.showModal();
    Object.values(controls)[0]?.focus();
  }

  async function submit(event) {
    event.preventDefault();
    if (pending) return;
    const checked = spec.check(cluster, values());
    if (!checked.ok) {
      showError(checked.message);
      controls[checked.field]?.focus();
      return;
    }
    pending = true;
    refreshSubmit();
    try {
      await onSubmit(cluster, checked.body);
      parts.dialog.close();
    } catch (problem) {
      showError(problem.message || 'The request failed.');
    } finally {
      pending = false;
      refreshSubmit();
    }
  }

  return { element: parts.dialog, open, close: () => parts.dialog.close(), isOpen: () => parts.dialog.open };
}
