// @ts-check
// Decide what the banner shows once the server answers: pure, no I/O.

import { snapshotFromTask, timestampMs } from './failure-snapshot.js';

/** @typedef {import('./failure-snapshot.js').Snapshot} Snapshot */
/** @typedef {{jobs?: unknown, degraded?: boolean, failed?: boolean}} HydrationOutcome */

export const KEEP = 'keep';
export const REPLACE = 'replace';
export const CLEAR = 'clear';

/**
 * Given the local snapshot (or null) and the server outcome — `{jobs, degraded}`, or
 * `{failed: true}` / null when the fetch failed — return `{action, snapshot}`:
 * keep the local one, replace it with the server row, or clear it.
 * @param {Snapshot | null} local
 * @param {HydrationOutcome | null} outcome
 * @param {Date} [now]
 * @returns {{action: string, snapshot: Snapshot | null}}
 */
export function decideHydration(local, outcome, now = new Date()) {
  const keep = { action: KEEP, snapshot: local };
  if (!outcome || outcome.failed || outcome.degraded === true || !Array.isArray(outcome.jobs)) {
    return keep;
  }
  if (outcome.jobs.length === 0) {
    return local ? { action: CLEAR, snapshot: null } : keep;
  }
  const server = snapshotFromTask(outcome.jobs[0], now);
  if (server === null) return keep;
  if (local === null || isStrictlyNewer(server, local)) {
    return { action: REPLACE, snapshot: server };
  }
  return keep;
}

/**
 * Whether snapshot a is strictly newer than snapshot b (equal times keep b).
 * @param {Snapshot} a
 * @param {Snapshot} b
 */
export function isStrictlyNewer(a, b) {
  const aMs = timestampMs(a.when);
  const bMs = timestampMs(b.when);
  if (aMs === null) return false;
  if (bMs === null) return true;
  return aMs > bMs;
}
