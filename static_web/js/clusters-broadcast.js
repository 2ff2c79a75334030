// Tells the other tabs of this browser that a cluster operation started or ended, through the
// `storage` event on its own key, so their "Your clusters" list refreshes without a reload.

export const CLUSTERS_CHANGED_KEY = 'elb_clusters_changed_v1';
const PHASES = new Set(['started', 'ended']);

/** The value written for one change (a fresh nonce makes every write an event). */
export function changeMessage(taskId, phase, now = Date.now(), nonce = Math.random().toString(36).slice(2)) {
  return JSON.stringify({ task_id: String(taskId), phase, at: now, nonce });
}

/** A change read from the key, or null for anything foreign or corrupt. */
export function readChange(raw) {
  if (typeof raw !== 'string') return null;
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || typeof value.task_id !== 'string' || !PHASES.has(value.phase)) return null;
  return { taskId: value.task_id, phase: value.phase };
}

/**
 * Create the broadcast over `storage` (null: this tab cannot tell others) and `eventTarget`
 * (window). `onProblem(problem)` hears a refused write.
 */
export function createClustersBroadcast({ storage, eventTarget, onProblem = () => {} }) {
  /** Tell the other tabs: `phase` is `started` or `ended`. */
  function announce(taskId, phase) {
    if (!storage) return;
    try {
      storage.setItem(CLUSTERS_CHANGED_KEY, changeMessage(taskId, phase));
    } catch (problem) {
      onProblem(problem);
    }
  }

  /** Call `onChange({taskId, phase})` when another tab announces; returns the unsubscribe. */
  function listen(onChange) {
    const listener = (event) => {
      if (event.key !== CLUSTERS_CHANGED_KEY) return;
      const change = readChange(event.newValue);
      if (change) onChange(change);
    };
    eventTarget.addEventListener('storage', listener);
    return () => eventTarget.removeEventListener('storage', listener);
  }

  return { announce, listen };
}
