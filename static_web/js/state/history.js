// Slice `history`: the recent attempts list and whether the last read of it failed.

import { HISTORY_LOADED, HISTORY_UNAVAILABLE } from './actions.js';

export const HISTORY_NOTES = {
  unavailable: 'Recent attempts are unavailable right now.',
  empty: 'No attempts yet.',
};

export const historySlice = {
  initial: { jobs: [], loaded: false, unavailable: false },
  reducers: {
    [HISTORY_LOADED]: (_history, { jobs }) => ({ jobs, loaded: true, unavailable: false }),
    // The list already shown stays; only the note changes.
    [HISTORY_UNAVAILABLE]: (history) => (history.unavailable ? history : { ...history, unavailable: true }),
  },
};

/** The note under the list: why it is empty or stale, or '' when the list says it all. */
export function historyNote(history) {
  if (history.unavailable) return HISTORY_NOTES.unavailable;
  if (history.loaded && history.jobs.length === 0) return HISTORY_NOTES.empty;
  return '';
}
