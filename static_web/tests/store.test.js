import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { snapshotFromTask } from '../js/failure-snapshot.js';
import {
  attemptFinished,
  attemptPolled,
  attemptTracked,
  failureShown,
  historyLoaded,
  historyUnavailable,
  noticeShown,
  stopFailed,
  stopRequested,
} from '../js/state/actions.js';
import { createDashboardStore } from '../js/state/dashboard-store.js';
import { HISTORY_NOTES, historyNote } from '../js/state/history.js';
import { NO_NOTICE } from '../js/state/notice.js';
import { createStore } from '../js/state/store.js';
import { failedTask } from './fakes.js';

const counter = {
  initial: 0,
  reducers: { add: (n, { by }) => n + by, noop: (n) => n },
};

describe('store', () => {
  test('starts from each slice initial state', () => {
    assert.deepEqual(createStore({ count: counter }).getState(), { count: 0 });
  });

  test('a dispatch changes the slice and tells listeners the new and previous state', () => {
    const store = createStore({ count: counter });
    const seen = [];
    store.subscribe((state, previous) => seen.push([state.count, previous.count]));
    store.dispatch({ type: 'add', by: 2 });
    assert.equal(store.getState().count, 2);
    assert.deepEqual(seen, [[2, 0]]);
  });

  test('an action that changes nothing notifies nobody', () => {
    const store = createStore({ count: counter });
    let calls = 0;
    store.subscribe(() => calls++);
    store.dispatch({ type: 'noop' });
    assert.equal(calls, 0);
  });

  test('an unsubscribed listener hears nothing more', () => {
    const store = createStore({ count: counter });
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    unsubscribe();
    store.dispatch({ type: 'add', by: 1 });
    assert.equal(calls, 0);
  });

  test('an action no slice handles is refused', () => {
    assert.throws(() => createStore({ count: counter }).dispatch({ type: 'typo' }), /typo/);
  });

  test('a listener may not dispatch', () => {
    const store = createStore({ count: counter });
    store.subscribe(() => store.dispatch({ type: 'add', by: 1 }));
    assert.throws(() => store.dispatch({ type: 'add', by: 1 }), /listeners only render/);
    assert.equal(store.getState().count, 1);
  });

  test('the state cannot be changed from outside', () => {
    const store = createStore({ count: counter });
    assert.throws(() => {
      'use strict';
      store.getState().count = 5;
    });
  });
});

describe('dashboard store: failure', () => {
  const snapshot = snapshotFromTask(failedTask(), new Date('2024-05-01T10:00:06Z'));

  test('shows a failure and hides it again', () => {
    const store = createDashboardStore();
    store.dispatch(failureShown(snapshot));
    assert.equal(store.getState().failure.task_id, 'T-1');
    store.dispatch(failureShown(null));
    assert.equal(store.getState().failure, null);
  });

  test('re-showing the same failure saved at another time does not re-render', () => {
    const store = createDashboardStore();
    store.dispatch(failureShown(snapshot));
    let renders = 0;
    store.subscribe(() => renders++);
    store.dispatch(failureShown({ ...snapshot, saved_at: '2030-01-01T00:00:00Z' }));
    assert.equal(renders, 0);
    assert.equal(store.getState().failure, snapshot);
  });
});

describe('dashboard store: attempt and notice', () => {
  const running = { task_id: 'T-9', status: 'running', progress: { step_index: 2, total_steps: 4 } };

  test('tracking an attempt starts it not stopping and clears the notice', () => {
    const store = createDashboardStore();
    store.dispatch(noticeShown('Cluster c is ready.', { tone: 'success' }));
    store.dispatch(attemptTracked('T-9', null));
    assert.deepEqual(store.getState().attempt, { taskId: 'T-9', task: null, stopping: false });
    assert.equal(store.getState().notice.text, '');
  });

  test('a poll answer updates the tracked task and ends a connection warning', () => {
    const store = createDashboardStore();
    store.dispatch(attemptTracked('T-9'));
    store.dispatch(noticeShown('Connection problem — still checking…', { tone: 'warning' }));
    store.dispatch(attemptPolled('T-9', running));
    assert.equal(store.getState().attempt.task, running);
    assert.equal(store.getState().notice.text, '');
  });

  test('a poll answer keeps a success or info notice', () => {
    const store = createDashboardStore();
    store.dispatch(attemptTracked('T-9'));
    store.dispatch(noticeShown('Partial cluster deleted', { tone: 'success' }));
    store.dispatch(attemptPolled('T-9', running));
    assert.equal(store.getState().notice.text, 'Partial cluster deleted');
  });

  test('a late answer about another attempt changes nothing', () => {
    const store = createDashboardStore();
    store.dispatch(attemptTracked('T-9'));
    const before = store.getState().attempt;
    store.dispatch(attemptPolled('T-old', running));
    store.dispatch(stopRequested('T-old'));
    assert.equal(store.getState().attempt, before);
  });

  test('Stop is disabled while the cancel is on its way and offered again when it fails', () => {
    const store = createDashboardStore();
    store.dispatch(attemptTracked('T-9'));
    store.dispatch(stopRequested('T-9'));
    assert.equal(store.getState().attempt.stopping, true);
    store.dispatch(stopFailed('T-9'));
    assert.equal(store.getState().attempt.stopping, false);
  });

  test('a finished attempt leaves nothing tracked', () => {
    const store = createDashboardStore();
    store.dispatch(attemptTracked('T-9'));
    store.dispatch(attemptFinished());
    assert.equal(store.getState().attempt, null);
  });

  test('the notice starts empty with no tone', () => {
    assert.equal(createDashboardStore().getState().notice, NO_NOTICE);
  });

  test('a notice carries its tone and link', () => {
    const store = createDashboardStore();
    const link = { label: 'View cluster in Azure portal', url: 'https://portal.azure.com/#x' };
    store.dispatch(noticeShown('Cluster c is ready.', { tone: 'success', link }));
    assert.deepEqual(store.getState().notice, { text: 'Cluster c is ready.', tone: 'success', link });
  });
});

describe('dashboard store: history', () => {
  const jobs = [{ task_id: 'T-1', status: 'failed' }];

  test('says nothing before the first answer', () => {
    assert.equal(historyNote(createDashboardStore().getState().history), '');
  });

  test('an empty list reads "No attempts yet."', () => {
    const store = createDashboardStore();
    store.dispatch(historyLoaded([]));
    assert.equal(historyNote(store.getState().history), HISTORY_NOTES.empty);
    assert.equal(HISTORY_NOTES.empty, 'No attempts yet.');
  });

  test('a failed read keeps the list shown and says it is unavailable', () => {
    const store = createDashboardStore();
    store.dispatch(historyLoaded(jobs));
    store.dispatch(historyUnavailable());
    assert.equal(store.getState().history.jobs, jobs);
    assert.equal(historyNote(store.getState().history), 'Recent attempts are unavailable right now.');
  });

  test('a later answer replaces the list and the note', () => {
    const store = createDashboardStore();
    store.dispatch(historyUnavailable());
    store.dispatch(historyLoaded(jobs));
    assert.equal(historyNote(store.getState().history), '');
    assert.equal(store.getState().history.jobs, jobs);
  });
});
