// @ts-check
// How an operation reads in Recent attempts and in a cluster's Activity: what it was, who
// started it (the user, or a guardrail: idle, schedule, expiry) and when; and the row's
// "next guardrail action" line. Pure: no DOM.

import { taskClusterKey } from './clusters-model.js';
import { timestampMs } from './failure-snapshot.js';

/** @typedef {import('./contract.js').TaskDocument} TaskDocument */
/** @typedef {import('./contract.js').Guardrails} Guardrails */

/** @type {Readonly<Record<string, string>>} */
export const OPERATION_NAMES = Object.freeze({
  aks_provision: 'Create',
  aks_delete: 'Delete',
  aks_stop: 'Stop',
  aks_start: 'Start',
  aks_scale: 'Scale',
  aks_upgrade: 'Upgrade',
  aks_pool_add: 'Add node pool',
  aks_pool_delete: 'Delete node pool',
  aks_pool_autoscale: 'Autoscale node pool',
});

/**
 * "15 min", "1 hour", "2 hours", "1 hour 30 min".
 * @param {number} minutes
 */
export function durationText(minutes) {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const hourText = hours === 1 ? '1 hour' : `${hours} hours`;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? hourText : `${hourText} ${rest} min`;
}

/**
 * The sentence an automatic operation reads ("Stopped automatically: idle for 1 hour"), or
 * null for one the user started. `idleMinutes` is the cluster's idle rule, when known.
 * @param {TaskDocument} job
 * @param {number | null | undefined} [idleMinutes]
 */
export function automaticText(job, idleMinutes) {
  const trigger = job.trigger ?? 'user';
  if (trigger === 'idle') {
    return typeof idleMinutes === 'number' && idleMinutes > 0
      ? `Stopped automatically: idle for ${durationText(idleMinutes)}`
      : 'Stopped automatically: idle';
  }
  if (trigger === 'schedule') {
    return job.type === 'aks_start' ? 'Started automatically: working hours' : 'Stopped automatically: working hours';
  }
  if (trigger === 'expiry') return 'Deleted automatically: expired';
  return null;
}

/**
 * Recent attempts' line for one job: a create is its cluster name, an operation "Stop web-1",
 * an automatic one its sentence and cluster.
 * @param {TaskDocument} job
 * @param {number | null} [idleMinutes]
 */
export function attemptLabel(job, idleMinutes) {
  const cluster = job.request?.cluster_name ?? job.task_id;
  const automatic = automaticText(job, idleMinutes);
  if (automatic) return `${automatic} — ${cluster}`;
  const type = job.type ?? 'aks_provision';
  return type === 'aks_provision' ? cluster : `${OPERATION_NAMES[type] ?? type} ${cluster}`;
}

/**
 * Activity's line for one operation on the cluster: what ran and who started it.
 * @param {TaskDocument} job
 * @param {number | null} [idleMinutes]
 */
export function activityText(job, idleMinutes) {
  const automatic = automaticText(job, idleMinutes);
  if (automatic) return automatic;
  return `${OPERATION_NAMES[job.type ?? 'aks_provision'] ?? job.type} — started by you`;
}

/**
 * One cluster's operations from the history, newest first.
 * @param {TaskDocument[]} jobs
 * @param {string} key the cluster's clusterKey
 */
export function clusterActivity(jobs, key) {
  return jobs
    .filter((job) => taskClusterKey(job) === key)
    .sort((a, b) => (timestampMs(b.created_at) ?? 0) - (timestampMs(a.created_at) ?? 0));
}

/**
 * "6 Dec 2025, 22:06" in the browser's time zone, or ''.
 * @param {string | undefined} iso
 */
export function whenText(iso) {
  const ms = timestampMs(iso);
  if (ms === null) return '';
  return new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The row's next guardrail action: "Auto-stop in 12 min", "Stops at 19:00", "Starts at
 * 08:00" (in the schedule's time zone) or "Deletes on 9 Dec, 10:00" (the browser's), else ''.
 * @param {Guardrails | null | undefined} guardrails
 * @param {number} now epoch milliseconds
 * @param {string} [browserTimeZone]
 */
export function nextActionText(guardrails, now, browserTimeZone) {
  const next = guardrails?.next_action;
  const at = timestampMs(next?.at);
  if (!next || at === null) return '';
  if (next.reason === 'idle') return `Auto-stop in ${Math.max(1, Math.ceil((at - now) / 60_000))} min`;
  if (next.reason === 'schedule') {
    const time = clockTime(at, guardrails?.schedule?.timezone);
    return next.kind === 'start' ? `Starts at ${time}` : `Stops at ${time}`;
  }
  const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: browserTimeZone }).format(at);
  return `Deletes on ${day}, ${clockTime(at, browserTimeZone)}`;
}

/**
 * "19:00" in a time zone (an unknown zone falls back to the browser's).
 * @param {number} at
 * @param {string | undefined} timeZone
 */
function clockTime(at, timeZone) {
  const options = /** @type {const} */ ({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat('en-GB', options).format(at);
  }
}
