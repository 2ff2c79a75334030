// @ts-check
// The pieces of the small forms in a cluster's details (Add node pool, Scale, Autoscale,
// Delete pool, Cost guardrails): labelled fields with their error line, the refusal shown
// above the fields with its links, and a hook that sends a form and puts the server's answer
// where it belongs (a 400 next to the field it names, focus on that field).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { refusalOf } from '../form-refusal.js';

/** @typedef {import('../form-refusal.js').Refusal} Refusal */

/**
 * @param {string} id
 * @param {string | null | undefined} hint
 * @param {string | null | undefined} error
 */
const describedBy = (id, hint, error) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

/**
 * @param {{id: string, hint?: string | null, error?: string | null}} props
 */
function FieldNotes({ id, hint, error }) {
  return html`${hint ? html`<p class="field__hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field__error" id=${`${id}-error`} data-testid="field-error">${error}</p>` : null}`;
}

/** @param {Event} event */
const valueOf = (event) => /** @type {HTMLInputElement} */ (event.currentTarget).value;

/**
 * A labelled text, number, time or datetime-local input.
 * @param {object} props
 * @param {string} props.id
 * @param {string} props.label
 * @param {string} props.value
 * @param {(value: string) => void} props.onValue
 * @param {string} [props.type]
 * @param {string | null} [props.error]
 * @param {string | null} [props.hint]
 * @param {{current: HTMLInputElement | null}} [props.inputRef]
 * @param {string} [props.list] a datalist id
 * @param {number} [props.min]
 * @param {number} [props.max]
 * @param {string} [props.className]
 */
export function InputField({ id, label, value, onValue, type = 'text', error, hint, inputRef, list, min, max, className = '' }) {
  const number = type === 'number';
  return html`<div class=${`field ${className}`}>
    <label for=${id}>${label}</label>
    <input id=${id} ref=${inputRef} type=${type} value=${value} autocomplete="off" spellcheck=${false} list=${list}
      inputmode=${number ? 'numeric' : undefined} min=${min} max=${max}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
      onInput=${(/** @type {Event} */ event) => onValue(valueOf(event))} />
    <${FieldNotes} id=${id} hint=${hint} error=${error} />
  </div>`;
}

/**
 * A labelled select.
 * @param {object} props
 * @param {string} props.id
 * @param {string} props.label
 * @param {string} props.value
 * @param {{value: string, label: string, disabled?: boolean}[]} props.choices
 * @param {(value: string) => void} props.onValue
 * @param {string | null} [props.error]
 * @param {string | null} [props.hint]
 * @param {string} [props.className]
 */
export function SelectField({ id, label, value, choices, onValue, error, hint, className = '' }) {
  return html`<div class=${`field ${className}`}>
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
      onChange=${(/** @type {Event} */ event) => onValue(valueOf(event))}>
      ${choices.map((choice) => html`<option value=${choice.value} disabled=${choice.disabled === true}>${choice.label}</option>`)}
    </select>
    <${FieldNotes} id=${id} hint=${hint} error=${error} />
  </div>`;
}

/**
 * A labelled checkbox.
 * @param {object} props
 * @param {string} props.id
 * @param {string} props.label
 * @param {boolean} props.checked
 * @param {(checked: boolean) => void} props.onChecked
 * @param {string | null} [props.error]
 * @param {string | null} [props.hint]
 * @param {string} [props.className]
 */
export function CheckField({ id, label, checked, onChecked, error, hint, className = '' }) {
  return html`<div class=${`field ${className}`}>
    <span class="field__check">
      <input id=${id} type="checkbox" checked=${checked} aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${describedBy(id, hint, error)}
        onChange=${(/** @type {Event} */ event) => onChecked(/** @type {HTMLInputElement} */ (event.currentTarget).checked)} />
      <label for=${id}>${label}</label>
    </span>
    <${FieldNotes} id=${id} hint=${hint} error=${error} />
  </div>`;
}

/**
 * A refusal that names no field: its message and links, above the fields.
 * @param {{refusal: Refusal | null, testId?: string}} props
 */
export function FormProblem({ refusal, testId = 'form-problem' }) {
  if (!refusal) return null;
  return html`<div class="form-error" role="alert" data-testid=${testId}>
    <p>${refusal.message}</p>
    ${refusal.links.length
      ? html`<p class="form-error__links">${refusal.links.map(
          (link) => html`<a class="action action--link" href=${link.url} target="_blank" rel="noopener">${link.label}</a>`,
        )}</p>`
      : null}
  </div>`;
}

/**
 * @template B
 * @typedef {object} FormSending
 * @property {() => ({ok: true, body: B} | {ok: false, errors: Record<string, string>})} check the form's values as a body
 * @property {(body: B) => Promise<unknown>} send resolves when the server accepted
 * @property {(serverField: string | null | undefined) => string | null} toField the form field a 400 names
 * @property {(field: string) => void} focusField
 * @property {(answer: unknown) => void} done
 */

/**
 * A form that checks, sends, and shows the answer: `errors` per field, `refusal` above them.
 * @template B
 * @param {FormSending<B>} sending
 */
export function useSentForm({ check, send, toField, focusField, done }) {
  const [errors, setErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [refusal, setRefusal] = useState(/** @type {Refusal | null} */ (null));
  const [pending, setPending] = useState(false);

  /** @param {Event} [event] */
  async function submit(event) {
    event?.preventDefault();
    if (pending) return;
    const checked = check();
    if (!checked.ok) {
      setErrors(checked.errors);
      setRefusal(null);
      const first = Object.keys(checked.errors)[0];
      if (first) setTimeout(() => focusField(first), 0);
      return;
    }
    setPending(true);
    setErrors({});
    setRefusal(null);
    let answer;
    try {
      answer = await send(checked.body);
    } catch (problem) {
      const found = refusalOf(problem, toField);
      if (found.field) {
        setErrors({ [found.field]: found.message });
        setTimeout(() => focusField(/** @type {string} */ (found.field)), 0);
      } else {
        setRefusal(found);
      }
      setPending(false);
      return;
    }
    setPending(false);
    done(answer);
  }

  return {
    errors,
    refusal,
    pending,
    submit,
    /** @param {string} field */
    clearError(field) {
      if (errors[field]) setErrors(Object.fromEntries(Object.entries(errors).filter(([name]) => name !== field)));
    },
  };
}
