// The Create dialog's fixed parts — title, error slots, field area, live panel, buttons —
// and the error lines shown next to fields and above the form.

import { element } from '../element.js';

/** The dialog's fixed parts around the field rows. */
export function dialogShell({ rows, workloadSlot, panel, onSubmit, onCancel }) {
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
    element('div', { className: 'dialog__fields' }, rows, workloadSlot),
    panel.price,
    panel.section,
    element('div', { className: 'dialog__buttons' }, cancelButton, submitButton),
  );
  const dialog = element(
    'dialog',
    { className: 'dialog', attrs: { 'aria-labelledby': 'create-dialog-title', 'data-testid': 'create-dialog' } },
    form,
  );
  return { dialog, form, errorSlot, formError, submitButton };
}

/** Field errors and the form-level error line of one dialog. */
export function createErrorLines(fields, formError) {
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
    for (const name of Object.keys(fields)) setFieldError(name, null);
    setFormError(null);
  }
  return { setFieldError, setFormError, clearErrors };
}

