// The dashboard's whole state: one slice per thing the page shows. A new state (for example
// the "Your clusters" list) is a new slice file registered here, plus the component that
// renders it.

import { attemptSlice } from './attempt.js';
import { clustersSlice } from './clusters.js';
import { failureSlice } from './failure.js';
import { historySlice } from './history.js';
import { noticeSlice } from './notice.js';
import { optionsSlice } from './options.js';
import { preflightSlice } from './preflight.js';
import { createStore } from './store.js';

export const DASHBOARD_SLICES = {
  failure: failureSlice,
  attempt: attemptSlice,
  history: historySlice,
  notice: noticeSlice,
  options: optionsSlice,
  preflight: preflightSlice,
  clusters: clustersSlice,
};

/** A fresh store for one page. */
export function createDashboardStore() {
  return createStore(DASHBOARD_SLICES);
}
