// @ts-check
// Keeps the banner's failure, the localStorage snapshot (elb_last_failed_provision_v1) and the
// server's recent failures in step: every rule about when the banner appears or goes lives
// here. Other tabs follow through the `storage` event on that key, which this module only
// ever reads from, so applying a change cannot echo.

import { sameSnapshot, snapshotFromTask, successResolves } from './failure-snapshot.js';
import { CLEAR, decideHydration, REPLACE } from './hydration.js';

/** @typedef {import('./failure-snapshot.js').Snapshot} Snapshot */
/** @typedef {import('./contract.js').TaskDocument} TaskDocument */

export const RECENT_FAILURE_HOURS = 24;

/**
 * @typedef {object} FailuresDeps
 * @property {ReturnType<typeof import('./last-failed-store.js').createLastFailedStore>} lastFailed
 * @property {import('@preact/signals-core').Signal<Snapshot | null>} shown the banner's snapshot
 * @property {Pick<import('./api.js').ApiClient, 'recentFailedProvisions' | 'dismiss'>} api
 */

/** @param {FailuresDeps} deps */
export function createFailures({ lastFailed, shown, api }) {
  let hydrationRound = 0;
  /** @param {Snapshot | null} snapshot */
  const show = (snapshot) => {
    if (!sameSnapshot(shown.peek(), snapshot)) shown.value = snapshot;
  };
  const forget = () => {
    lastFailed.clear();
    show(null);
  };

  return {
    /** The saved snapshot, shown at once, before any network work. */
    showSaved() {
      show(lastFailed.load());
    },

    /** Every other tab's change of the key shows here. */
    followOtherTabs() {
      return lastFailed.subscribe((snapshot) => show(snapshot));
    },

    /**
     * A create failed (or was stopped with a cluster left): save and show it.
     * @param {TaskDocument} task
     */
    attemptFailed(task) {
      show(lastFailed.save(snapshotFromTask(task)));
    },

    /**
     * A create succeeded: the failure it resolves (same cluster, or the attempt it retried)
     * leaves the banner, the key and so every tab.
     * @param {TaskDocument} task
     */
    attemptSucceeded(task) {
      const saved = lastFailed.load() ?? shown.peek();
      if (successResolves(saved, task)) forget();
    },

    /**
     * Dismiss: forget here and in every tab, and tell the server (best effort).
     * @param {Snapshot | null} snapshot
     */
    dismiss(snapshot) {
      forget();
      if (!snapshot) return;
      api.dismiss(snapshot.task_id).catch((problem) => {
        console.warn('The server did not record the dismissal.', problem);
      });
    },

    /**
     * The failure's partial cluster is gone: its banner goes too.
     * @param {string} failureTaskId
     */
    partialClusterDeleted(failureTaskId) {
      if (shown.peek()?.task_id === failureTaskId || lastFailed.load()?.task_id === failureTaskId) forget();
    },

    /** Let the server's recent failures confirm, replace or clear the local snapshot. */
    async hydrate() {
      const round = ++hydrationRound;
      const before = lastFailed.load();
      /** @type {import('./hydration.js').HydrationOutcome} */
      let outcome;
      try {
        outcome = await api.recentFailedProvisions(RECENT_FAILURE_HOURS, 1);
      } catch (problem) {
        console.info('Recent failures unavailable; keeping the local banner.', problem);
        outcome = { failed: true };
      }
      if (round !== hydrationRound) return;
      const now = lastFailed.load();
      // Another tab changed the snapshot while we waited: the answer is about an older state.
      if (!sameSnapshot(before, now)) {
        show(now);
        return;
      }
      const decision = decideHydration(now, outcome);
      if (decision.action === REPLACE) show(lastFailed.save(decision.snapshot) ?? decision.snapshot);
      else if (decision.action === CLEAR) forget();
      else show(now);
    },
  };
}

/** @typedef {ReturnType<typeof createFailures>} Failures */
