// Keeps the banner's failure, the localStorage snapshot and the server in step:
// every rule about when the "Last attempt failed" banner appears or goes lives here.

import { isSameCluster, sameSnapshot, snapshotFromTask } from './failure-snapshot.js';
import { CLEAR, decideHydration, REPLACE } from './hydration.js';
import { failureShown } from './state/actions.js';

export const RECENT_FAILURE_HOURS = 24;

/**
 * `lastFailed` is the localStorage snapshot store, `store` the dashboard store, `api` the
 * API client. Nothing here touches the DOM.
 */
export function createLastFailureSync({ lastFailed, store, api }) {
  let hydrationRound = 0;
  const show = (snapshot) => store.dispatch(failureShown(snapshot));
  const forget = () => {
    lastFailed.clear();
    show(null);
  };

  /** the saved snapshot, shown at once, before any network work. */
  function showSaved() {
    show(lastFailed.load());
  }

  /** Every other tab's change of the key shows here (this never writes, so no echo). */
  function followOtherTabs() {
    return lastFailed.subscribe((snapshot) => show(snapshot));
  }

  /** A tracked attempt failed (or was cancelled with a cluster left): save and show it. */
  function attemptFailed(task) {
    show(lastFailed.save(snapshotFromTask(task)));
  }

  /** A later success for the same cluster makes the saved failure moot. */
  function attemptSucceeded(task) {
    if (isSameCluster(lastFailed.load(), task)) forget();
  }

  /** Dismiss: forget here and in every tab, and tell the server (best effort). */
  function dismiss(snapshot) {
    forget();
    if (!snapshot) return;
    api.dismiss(snapshot.task_id).catch((problem) => {
      console.warn('The server did not record the dismissal.', problem);
    });
  }

  /** The failure's partial cluster is gone: its banner goes too. */
  function partialClusterDeleted(failure) {
    if (store.getState().failure?.task_id === failure.task_id) forget();
  }

  /** let the server's recent failures confirm, replace or clear the local snapshot. */
  async function hydrate() {
    const round = ++hydrationRound;
    const before = lastFailed.load();
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
  }

  return { showSaved, followOtherTabs, attemptFailed, attemptSucceeded, dismiss, partialClusterDeleted, hydrate };
}
