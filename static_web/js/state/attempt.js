// Slice `attempt`: the attempt the card follows — `{taskId, task, stopping}` — or null.

import {
  ATTEMPT_FINISHED,
  ATTEMPT_POLLED,
  ATTEMPT_TRACKED,
  STOP_FAILED,
  STOP_REQUESTED,
} from './actions.js';

/** Change the tracked attempt only when the action is about it (late answers are ignored). */
const forTracked = (change) => (attempt, action) =>
  attempt !== null && attempt.taskId === action.taskId ? { ...attempt, ...change(action) } : attempt;

export const attemptSlice = {
  initial: null,
  reducers: {
    [ATTEMPT_TRACKED]: (_attempt, { taskId, known }) => ({ taskId, task: known, stopping: false }),
    [ATTEMPT_POLLED]: forTracked(({ task }) => ({ task })),
    [STOP_REQUESTED]: forTracked(() => ({ stopping: true })),
    [STOP_FAILED]: forTracked(() => ({ stopping: false })),
    [ATTEMPT_FINISHED]: () => null,
  },
};
