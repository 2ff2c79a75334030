import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createAttemptTracker } from '../js/attempt-tracker.js';
import { createDashboardStore } from '../js/state/dashboard-store.js';
import { failedTask, ManualTimers, settle } from './fakes.js';

const running = (overrides = {}) => failedTask({ task_id: 'T-1', status: 'running', error: null, ...overrides });

/** An API whose getTask answers from a queue (a function entry throws its result). */
function fakeApi({ tasks = [], jobs = [], cancel = () => ({ status: 'cancelling' }) } = {}) {
  const calls = { getTask: 0, history: 0, cancel: 0 };
  return {
    calls,
    async getTask() {
      calls.getTask += 1;
      const next = tasks.shift();
      if (next instanceof Error) throw next;
      return next;
    },
    async history() {
      calls.history += 1;
      if (jobs instanceof Error) throw jobs;
      return { jobs };
    },
    async cancel() {
      calls.cancel += 1;
      return cancel();
    },
  };
}

const problem = (status, message = 'boom') => Object.assign(new Error(message), { status });

function setup(apiOptions) {
  const store = createDashboardStore();
  const timers = new ManualTimers();
  const api = fakeApi(apiOptions);
  const finished = [];
  const tracker = createAttemptTracker({
    api,
    store,
    onFinished: (outcome) => finished.push(outcome),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
  });
  return { store, timers, api, finished, tracker };
}

describe('attempt tracker', () => {
  test('follows a running attempt and polls again', async () => {
    const { store, timers, tracker } = setup({ tasks: [running()] });
    tracker.track('T-1', null);
    assert.equal(store.getState().attempt.taskId, 'T-1');
    await settle();
    assert.equal(store.getState().attempt.task.status, 'running');
    assert.equal(timers.count, 1);
  });

  test('a finished attempt ends tracking, says so and reports the outcome', async () => {
    const done = failedTask({ status: 'succeeded', error: null });
    const { store, timers, finished, tracker } = setup({ tasks: [done] });
    tracker.track('T-1');
    await settle();
    assert.equal(store.getState().attempt, null);
    assert.equal(store.getState().notice.text, 'Cluster quota-one is ready.');
    assert.deepEqual(finished, [{ report: 'succeeded', task: done }]);
    assert.equal(timers.count, 0, 'no poll after the end');
  });

  test('a connection problem warns and keeps polling; the next answer clears the warning', async () => {
    const { store, timers, tracker } = setup({ tasks: [problem(0), running()] });
    tracker.track('T-1');
    await settle();
    assert.equal(store.getState().notice.text, 'Connection problem — still checking…');
    assert.equal(store.getState().notice.tone, 'warning');
    timers.runNext();
    await settle();
    assert.equal(store.getState().notice.text, '');
    assert.equal(store.getState().attempt.task.status, 'running');
  });

  test('a vanished attempt stops tracking with a warning', async () => {
    const { store, timers, tracker } = setup({ tasks: [problem(404)] });
    tracker.track('T-1');
    await settle();
    assert.equal(store.getState().attempt, null);
    assert.equal(store.getState().notice.text, 'That attempt is no longer available.');
    assert.equal(timers.count, 0);
  });

  test('a status change refreshes Recent attempts', async () => {
    const { api, tracker } = setup({ tasks: [running()] });
    tracker.track('T-1', running({ status: 'queued' }));
    await settle();
    assert.equal(api.calls.history, 1);
  });

  test('an answer about an attempt no longer tracked is ignored', async () => {
    const { store, tracker } = setup({ tasks: [running({ task_id: 'T-1' }), running({ task_id: 'T-2' })] });
    tracker.track('T-1');
    tracker.track('T-2');
    await settle();
    assert.equal(store.getState().attempt.taskId, 'T-2');
  });

  test('Stop sends one cancel and disables itself while it is on its way', async () => {
    const { store, api, tracker } = setup({ tasks: [running()] });
    tracker.track('T-1');
    tracker.stop();
    tracker.stop();
    assert.equal(store.getState().attempt.stopping, true);
    await settle();
    assert.equal(api.calls.cancel, 1);
  });

  test('a failed Stop is offered again with a warning', async () => {
    const { store, tracker } = setup({
      tasks: [running()],
      cancel: () => {
        throw problem(503, 'Try later.');
      },
    });
    tracker.track('T-1');
    tracker.stop();
    await settle();
    assert.equal(store.getState().attempt.stopping, false);
    assert.equal(store.getState().notice.text, 'Could not stop the attempt. Try later.');
  });

  test('loading the history resumes the newest running attempt', async () => {
    const { store, tracker } = setup({ tasks: [running()], jobs: [running({ task_id: 'T-5' })] });
    await tracker.refreshHistory({ resume: true });
    assert.equal(store.getState().history.jobs.length, 1);
    assert.equal(store.getState().attempt.taskId, 'T-5');
  });

  test('loading the history without resume tracks nothing', async () => {
    const { store, tracker } = setup({ jobs: [running({ task_id: 'T-5' })] });
    await tracker.refreshHistory({ resume: false });
    assert.equal(store.getState().attempt, null);
  });

  test('a failed history read marks it unavailable', async () => {
    const { store, tracker } = setup({ jobs: problem(503) });
    await tracker.refreshHistory();
    assert.equal(store.getState().history.unavailable, true);
  });
});
