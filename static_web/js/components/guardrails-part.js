// @ts-check
// The details' Cost guardrails part: Auto-stop when idle, Working hours (Days, Start, Stop,
// Time zone — the browser's by default), Delete on, Save guardrails; then the next automatic
// action and "Saved ≈ $X this month". The server checks every rule: its 400 shows next to the
// field it names (`schedule.timezone` is Time zone).

import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { nextActionText } from '../activity.js';
import {
  browserTimeZone,
  DAYS,
  formFromGuardrails,
  guardrailsFormField,
  guardrailsRequest,
  idleChoices,
  timeZoneSuggestions,
} from '../guardrails-model.js';
import { money } from '../preflight-model.js';
import { CheckField, FormProblem, InputField, SelectField, useSentForm } from './form-parts.js';
import { useApp } from './shared.js';

/** @typedef {import('../contract.js').Cluster} Cluster */
/** @typedef {import('../guardrails-model.js').GuardrailsValues} GuardrailsValues */

/** Where each form field is, to focus the one a refusal names. @type {Record<string, string>} */
const FIELD_IDS = {
  idle: 'guard-idle',
  workingHours: 'guard-hours',
  days: 'guard-day-mon',
  start: 'guard-start',
  stop: 'guard-stop',
  timezone: 'guard-timezone',
  deleteOn: 'guard-delete-on',
};

/** @param {string} field */
const focusField = (field) => document.getElementById(FIELD_IDS[field] ?? '')?.focus();

/**
 * Days: one checkbox per day, a group named "Days" with its error line.
 * @param {{days: string[], onDays: (days: string[]) => void, error?: string | null}} props
 */
function DaysField({ days, onDays, error }) {
  /** @param {string} day */
  const toggle = (day) => onDays(days.includes(day) ? days.filter((d) => d !== day) : [...days, day]);
  return html`<fieldset class="field guardrails__days" aria-describedby=${error ? 'guard-days-error' : undefined}
      aria-invalid=${error ? 'true' : undefined}>
    <legend>Days</legend>
    <div class="guardrails__day-list">
      ${DAYS.map((day) => html`<span class="field__check">
        <input id=${`guard-day-${day.value}`} type="checkbox" checked=${days.includes(day.value)} onChange=${() => toggle(day.value)} />
        <label for=${`guard-day-${day.value}`}>${day.label}</label>
      </span>`)}
    </div>
    ${error ? html`<p class="field__error" id="guard-days-error" data-testid="field-error">${error}</p>` : null}
  </fieldset>`;
}

/**
 * @param {{cluster: Cluster, gate: import('../clusters-model.js').RowAction | null}} props `gate`: the server's
 *   `guardrails` action (when it is disabled, its reason shows and Save waits)
 */
export function GuardrailsPart({ cluster, gate }) {
  const { dashboard } = useApp();
  const zone = useMemo(browserTimeZone, []);
  const [values, setValues] = useState(() => formFromGuardrails(cluster.guardrails, zone));
  const [saved, setSaved] = useState('');
  const dirty = useRef(false);
  const zones = useMemo(() => (values.workingHours ? timeZoneSuggestions() : []), [values.workingHours]);
  // What the server holds now shows in the form until the user edits it (another tab saved).
  useEffect(() => {
    if (!dirty.current) setValues(formFromGuardrails(cluster.guardrails, zone));
  }, [cluster.guardrails]);
  const form = useSentForm({
    check: () => guardrailsRequest(values),
    send: (body) => dashboard.saveGuardrails(cluster, body),
    toField: guardrailsFormField,
    focusField,
    done: () => {
      dirty.current = false;
      setSaved('Guardrails saved.');
    },
  });
  /**
   * @param {keyof GuardrailsValues} name
   * @returns {(value: any) => void}
   */
  const edit = (name) => (value) => {
    dirty.current = true;
    setSaved('');
    form.clearError(name);
    setValues((now) => ({ ...now, [name]: value }));
  };
  const blocked = gate !== null && !gate.enabled;
  const next = nextActionText(cluster.guardrails, Date.now());
  const savedMoney = cluster.cost?.saved_this_month;
  return html`<form class="guardrails" novalidate onSubmit=${form.submit} aria-labelledby="details-guardrails"
      aria-busy=${form.pending ? 'true' : undefined} data-testid="guardrails-form">
    ${blocked ? html`<p class="muted" id="guard-reason">${gate?.reason ?? ''}</p>` : null}
    <${FormProblem} refusal=${form.refusal} testId="guardrails-problem" />
    <div class="dialog__fields">
      <${SelectField} id="guard-idle" label="Auto-stop when idle" value=${values.idle} choices=${idleChoices(values.idle)}
        onValue=${edit('idle')} error=${form.errors.idle} className="field--wide"
        hint="Stops the cluster once it has been idle (low CPU, no operations) this long." />
      <${CheckField} id="guard-hours" label="Working hours" checked=${values.workingHours} onChecked=${edit('workingHours')}
        error=${form.errors.workingHours} className="field--wide"
        hint="Starts the cluster at Start and stops it at Stop on the days you pick." />
      ${values.workingHours
        ? html`<${DaysField} days=${values.days} onDays=${edit('days')} error=${form.errors.days} />
            <${InputField} id="guard-start" label="Start" type="time" value=${values.start} onValue=${edit('start')}
              error=${form.errors.start} />
            <${InputField} id="guard-stop" label="Stop" type="time" value=${values.stop} onValue=${edit('stop')}
              error=${form.errors.stop} />
            <${InputField} id="guard-timezone" label="Time zone" value=${values.timezone} onValue=${edit('timezone')}
              error=${form.errors.timezone} list="guard-timezones" className="field--wide"
              hint=${`An IANA time zone name. Yours is ${zone}.`} />
            <datalist id="guard-timezones">${zones.map((name) => html`<option value=${name}></option>`)}</datalist>`
        : null}
      <${InputField} id="guard-delete-on" label="Delete on" type="datetime-local" value=${values.deleteOn}
        onValue=${edit('deleteOn')} error=${form.errors.deleteOn} className="field--wide"
        hint=${`Optional. The cluster is deleted then (your time zone, ${zone}).`} />
    </div>
    <div class="guardrails__save">
      <button type="submit" class="button button--primary" disabled=${form.pending || blocked}
        aria-describedby=${blocked ? 'guard-reason' : undefined}>Save guardrails</button>
      <span class="guardrails__saved" role="status" data-testid="guardrails-saved">${form.pending ? 'Saving…' : saved}</span>
    </div>
    ${next ? html`<p data-testid="guardrails-next">Next: ${next}</p>` : null}
    ${typeof savedMoney === 'number' ? html`<p data-testid="guardrails-savings">Saved ≈ ${money(savedMoney)} this month</p>` : null}
  </form>`;
}
