// Slice `failure`: the snapshot the "Last attempt failed" banner shows, or null.

import { sameSnapshot } from '../failure-snapshot.js';
import { FAILURE_SHOWN } from './actions.js';

export const failureSlice = {
  initial: null,
  reducers: {
    // Re-showing a failure that renders the same (e.g. only saved_at differs) changes nothing.
    [FAILURE_SHOWN]: (shown, { snapshot }) => (sameSnapshot(shown, snapshot) ? shown : snapshot),
  },
};
