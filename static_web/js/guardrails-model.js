// @ts-check
// Pure logic of Cost guardrails (README.md, "Cost guardrails"): the form's values from the
// cluster's `guardrails`, the PUT body from the form, the form field a server 400 names, and
// when the row offers Extend. The server checks every rule (minutes, days, times, time zone,
// expiry window); the page only turns what was typed into the contract's shape.

import { durationText } from './activity.js';
import { timestampMs } from './failure-snapshot.js';

/** @typedef {import('./contract.js').Guardrails} Guardrails */

/** The choices of Auto-stop when idle, in minutes ('' is Off). */
export const IDLE_CHOICES = Object.freeze([
  { value: '', label: 'Off' },
  { value: '15', label: '15 min' },
  { value: '30', label: '30 min' },
  { value: '60', label: '1 hour' },
  { value: '120', label: '2 hours' },
  { value: '240', label: '4 hours' },
  { value: '480', label: '8 hours' },
]);

/** The days of Working hours as the contract names them, with what they read. */
export const DAYS = Object.freeze([
  { value: 'mon', label: 'Mon' },
  { value: 'tue', label: 'Tue' },
  { value: 'wed', label: 'Wed' },
  { value: 'thu', label: 'Thu' },
  { value: 'fri', label: 'Fri' },
  { value: 'sat', label: 'Sat' },
  { value: 'sun', label: 'Sun' },
]);

/** What Working hours starts from when first ticked (a suggestion; the user changes it). */
export const SUGGESTED_HOURS = Object.freeze({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', stop: '19:00' });

/** How long Extend moves the next automatic stop out. */
export const EXTEND_MINUTES = 60;
/** A working-hours stop offers Extend this long before it is due. */
export const SCHEDULE_EXTEND_WINDOW_MINUTES = 30;

/**
 * @typedef {object} GuardrailsValues
 * @property {string} idle minutes, '' for Off
 * @property {boolean} workingHours
 * @property {string[]} days
 * @property {string} start HH:MM
 * @property {string} stop HH:MM
 * @property {string} timezone
 * @property {string} deleteOn a datetime-local value in the browser's time zone, '' for none
 */

/**
 * @typedef {object} GuardrailsBody
 * @property {number | null} idle_stop_minutes
 * @property {{timezone: string, days: string[], start: string, stop: string} | null} schedule
 * @property {string | null} expires_at
 */

/**
 * Auto-stop's choices; a value set elsewhere that is not one of them is kept as a choice.
 * @param {string} current
 */
export function idleChoices(current) {
  if (current === '' || IDLE_CHOICES.some((choice) => choice.value === current)) return [...IDLE_CHOICES];
  const minutes = Number(current);
  const label = Number.isInteger(minutes) && minutes > 0 ? durationText(minutes) : current;
  return [...IDLE_CHOICES, { value: current, label }];
}

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * An instant as a datetime-local value in the browser's time zone ("2030-01-31T18:00"), or ''.
 * @param {string | null | undefined} iso
 */
export function localInputFromIso(iso) {
  const ms = timestampMs(iso ?? undefined);
  if (ms === null) return '';
  const at = new Date(ms);
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
}

/**
 * A datetime-local value (the browser's time zone) as ISO 8601 UTC ("…Z"), or null when it
 * is not a date and time.
 * @param {string} value
 */
export function isoFromLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const at = new Date(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(at.getTime()) || at.getMonth() !== month - 1 || at.getDate() !== day) return null;
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The form as the cluster's guardrails have it; an unset schedule suggests working hours in
 * the browser's time zone.
 * @param {Guardrails | null | undefined} guardrails
 * @param {string} browserTimeZone
 * @returns {GuardrailsValues}
 */
export function formFromGuardrails(guardrails, browserTimeZone) {
  const schedule = guardrails?.schedule ?? null;
  const idle = guardrails?.idle_stop_minutes;
  return {
    idle: typeof idle === 'number' ? String(idle) : '',
    workingHours: schedule !== null,
    days: schedule ? [...schedule.days] : [...SUGGESTED_HOURS.days],
    start: schedule?.start ?? SUGGESTED_HOURS.start,
    stop: schedule?.stop ?? SUGGESTED_HOURS.stop,
    timezone: schedule?.timezone ?? browserTimeZone,
    deleteOn: localInputFromIso(guardrails?.expires_at),
  };
}

/**
 * The PUT body for the form. Only what the page must convert is checked here (a Delete on
 * that is no date); every rule is the server's, and its 400 names the field.
 * @param {GuardrailsValues} values
 * @returns {{ok: true, body: GuardrailsBody} | {ok: false, errors: Record<string, string>}}
 */
export function guardrailsRequest(values) {
  const expiresAt = values.deleteOn.trim() ? isoFromLocalInput(values.deleteOn) : null;
  if (values.deleteOn.trim() && expiresAt === null) {
    return { ok: false, errors: { deleteOn: 'Enter a date and time, or leave Delete on empty.' } };
  }
  const days = DAYS.map((day) => day.value).filter((day) => values.days.includes(day));
  return {
    ok: true,
    body: {
      idle_stop_minutes: values.idle === '' ? null : Number(values.idle),
      schedule: values.workingHours
        ? { timezone: values.timezone.trim(), days, start: values.start, stop: values.stop }
        : null,
      expires_at: expiresAt,
    },
  };
}

/** @type {Readonly<Record<string, keyof GuardrailsValues>>} */
const SERVER_FIELDS = Object.freeze({
  idle_stop_minutes: 'idle',
  schedule: 'workingHours',
  'schedule.timezone': 'timezone',
  'schedule.days': 'days',
  'schedule.start': 'start',
  'schedule.stop': 'stop',
  expires_at: 'deleteOn',
});

/**
 * The form field a server 400 names (`schedule.timezone` is Time zone), or null.
 * @param {string | null | undefined} serverField
 * @returns {keyof GuardrailsValues | null}
 */
export function guardrailsFormField(serverField) {
  return serverField && Object.hasOwn(SERVER_FIELDS, serverField) ? SERVER_FIELDS[serverField] : null;
}

/**
 * Whether the row offers Extend now: an automatic stop (idle or working hours) is due within
 * half the idle rule's minutes (idle) or 30 minutes (working hours), or is overdue.
 * @param {Guardrails | null | undefined} guardrails
 * @param {number} now epoch milliseconds
 */
export function extendOffered(guardrails, now) {
  const next = guardrails?.next_action;
  const at = timestampMs(next?.at ?? undefined);
  if (!next || next.kind !== 'stop' || at === null) return false;
  let windowMinutes = null;
  if (next.reason === 'idle' && typeof guardrails?.idle_stop_minutes === 'number') windowMinutes = guardrails.idle_stop_minutes / 2;
  else if (next.reason === 'schedule') windowMinutes = SCHEDULE_EXTEND_WINDOW_MINUTES;
  return windowMinutes !== null && at - now <= windowMinutes * 60_000;
}

/** The browser's IANA time zone (the default of Time zone), or UTC when it cannot say. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The IANA time zones the browser knows, for Time zone's suggestions (UTC first). */
export function timeZoneSuggestions() {
  const intl = /** @type {{supportedValuesOf?: (key: string) => string[]}} */ (Intl);
  /** @type {string[]} */
  let zones = [];
  try {
    zones = typeof intl.supportedValuesOf === 'function' ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    zones = [];
  }
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}
