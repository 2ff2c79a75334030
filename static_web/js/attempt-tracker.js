// Follows the running attempt and the recent attempts for the card: polls the task about every
// 2 s (never when idle), sends Stop, reloads the history. It only talks to the API and
// dispatches to the store; the card renders what the store holds.

import { attemptOutcome } from './attempt-outcome.js';
import { nextPollDelay, POLL_INTERVAL_MS, resumableAttempt } from './progress.js';
import {
  attemptFinished,
  attemptPolled,
  attemptTracked,
  historyLoaded,
  historyUnavailable,
  noticeShown,
  stopFailed,
  stopRequested,
} from './state/actions.js';

export const HISTORY_LIMIT = 10;
const GONE_NOTICE = 'That attempt is no longer available.';
const RETRYING_NOTICE = 'Connection problem — still checking…';

/**
 * Create the tracker. `onFinished({report, task})` runs after an attempt ends (report is
 * `succeeded`, `failed` or `ended`), once its notice is in the store.
 */
export function createAttemptTracker({
  api,
  store,
  onFinished = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let pollTimer = null;
  const trackedTaskId = () => store.getState().attempt?.taskId ?? null;

  function cancelPoll() {
    if (pollTimer !== null) clearTimer(pollTimer);
    pollTimer = null;
  }

  function schedulePoll(taskId, delay) {
    pollTimer = setTimer(() => poll(taskId), delay);
  }

  /** Follow an attempt until it finishes; `known` is what we already know of it. */
  function track(taskId, known = null) {
    cancelPoll();
    store.dispatch(attemptTracked(taskId, known));
    poll(taskId);
  }

  async function poll(taskId) {
    pollTimer = null;
    let task;
    try {
      task = await api.getTask(taskId);
    } catch (problem) {
      if (trackedTaskId() === taskId) pollFailed(taskId, problem);
      return;
    }
    if (trackedTaskId() !== taskId) return;
    const delay = nextPollDelay(task);
    if (delay === null) {
      finish(task);
      return;
    }
    const statusChanged = store.getState().attempt.task?.status !== task.status;
    store.dispatch(attemptPolled(taskId, task));
    // Keep the tracked attempt's badge in Recent attempts in step (queued → running).
    if (statusChanged) refreshHistory({ resume: false });
    schedulePoll(taskId, delay);
  }

  function pollFailed(taskId, problem) {
    if (problem.status === 404) {
      cancelPoll();
      store.dispatch(attemptFinished());
      store.dispatch(noticeShown(GONE_NOTICE, { tone: 'warning' }));
      return;
    }
    store.dispatch(noticeShown(RETRYING_NOTICE, { tone: 'warning' }));
    schedulePoll(taskId, POLL_INTERVAL_MS);
  }

  function finish(task) {
    cancelPoll();
    store.dispatch(attemptFinished());
    const { report, notice } = attemptOutcome(task);
    store.dispatch(noticeShown(notice.text, notice));
    onFinished({ report, task });
    refreshHistory({ resume: false });
  }

  /** Ask the server to cancel the tracked attempt (once; Stop is disabled meanwhile). */
  async function stop() {
    const attempt = store.getState().attempt;
    if (!attempt || attempt.stopping) return;
    const { taskId } = attempt;
    store.dispatch(stopRequested(taskId));
    try {
      await api.cancel(taskId);
    } catch (problem) {
      if (trackedTaskId() !== taskId) return;
      store.dispatch(stopFailed(taskId));
      store.dispatch(noticeShown(`Could not stop the attempt. ${problem.message}`, { tone: 'warning' }));
    }
  }

  /** Reload the recent attempts; `resume` also follows the newest attempt still running. */
  async function refreshHistory({ resume = true } = {}) {
    let jobs;
    try {
      const answer = await api.history(HISTORY_LIMIT);
      jobs = Array.isArray(answer?.jobs) ? answer.jobs : [];
    } catch (problem) {
      console.info('Recent attempts are unavailable.', problem);
      store.dispatch(historyUnavailable());
      return;
    }
    store.dispatch(historyLoaded(jobs));
    if (!resume || trackedTaskId() !== null) return;
    const running = resumableAttempt(jobs);
    if (running) track(running.task_id, running);
  }

  return { track, stop, refreshHistory, trackedTaskId };
}
