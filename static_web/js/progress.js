// @ts-check
// Progress wording and the polling rule for a running attempt. Pure: no DOM, no timers.

export const POLL_INTERVAL_MS = 2000;
export const ACTIVE_STATUSES = new Set(['queued', 'running']);
export const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** Whether an attempt is still in flight. @param {string | undefined | null} status */
export function isActive(status) {
  if (!status) return false;
  return ACTIVE_STATUSES.has(status);
}

/** Whether an attempt has finished for good. @param {string | undefined | null} status */
export function isTerminal(status) {
  if (!status) return false;
  return TERMINAL_STATUSES.has(status);
}

/**
 * Milliseconds until the next status poll, or null for "do not poll": poll while an
 * attempt is queued/running, never when it is finished or when nothing is tracked.
 * @param {{status?: string} | null | undefined} task
 * @returns {number | null}
 */
export function nextPollDelay(task) {
  if (!task || typeof task !== 'object') return null;
  return isActive(task.status) ? POLL_INTERVAL_MS : null;
}

/** Elapsed time as m:ss, or h:mm:ss from one hour on; negative or bad input reads 0:00. @param {number} ms */
export function formatElapsed(ms) {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`;
  return `${minutes}:${seconds}`;
}

/**
 * Milliseconds from an ISO start time until now (0 when the start is unknown).
 * @param {string | undefined} startIso
 * @param {number} [now]
 */
export function elapsedSince(startIso, now = Date.now()) {
  const start = typeof startIso === 'string' ? Date.parse(startIso) : NaN;
  if (!Number.isFinite(start)) return 0;
  return Math.max(0, now - start);
}

/**
 * "Step N of M" for a progress object, or null when the step numbers are unknown.
 * @param {import('./contract.js').TaskProgress | null | undefined} progress
 */
export function stepText(progress) {
  if (!progress || typeof progress !== 'object') return null;
  const total = progress.total_steps;
  const index = progress.step_index;
  if (typeof total !== 'number' || typeof index !== 'number') return null;
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(index) || index < 0) return null;
  const shown = Math.min(Math.max(index, 1), total);
  return `Step ${shown} of ${total}`;
}

/** @type {Record<string, string>} */
const STATUS_LABELS = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Human label for a status (unknown values are shown as they are). @param {string | undefined} status */
export function statusLabel(status) {
  return (status && STATUS_LABELS[status]) || String(status ?? 'Unknown');
}

/**
 * The step name as the user reads it. The backend writes its queued step as lowercase
 * "queued" (soon "Queued"): a snake_case/lowercase token is capitalised, anything already
 * worded (e.g. "Queued", "Creating cluster") is shown as it is.
 * @param {string | null | undefined} step
 */
export function stepName(step) {
  if (typeof step !== 'string' || step === '') return '';
  if (!/^[a-z0-9_]+$/.test(step)) return step;
  const words = step.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The newest create attempt still in flight in a history list (resumed on load), or undefined.
 * @param {import('./contract.js').TaskDocument[]} jobs
 */
export function resumableAttempt(jobs) {
  // Only a create is resumed into the cluster card; lifecycle operations live in Your clusters.
  return jobs.find((job) => (job.type ?? 'aks_provision') === 'aks_provision' && isActive(job.status));
}
