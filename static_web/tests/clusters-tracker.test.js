import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { clusterKey, OPERATIONS } from '../js/clusters-model.js';
import { createClustersTracker, shownClusters } from '../js/clusters-tracker.js';
import { createDashboardStore } from '../js/state/dashboard-store.js';
import { ManualTimers, settle } from './fakes.js';

const running = { name: 'c1', resource_group: 'rg', provisioning_state: 'Succeeded', power_state: 'Running',
  upgrades: [], node_pools: [], operation: null };
const stopped = { ...running, power_state: 'Stopped' };
const task = (status, extra = {}) => ({ task_id: 'T1', type: 'aks_stop', status, progress: { step: 'Stopping cluster', step_index: 3, total_steps: 4 }, error: null, ...extra });

/** An API answering lists and tasks from queues; records operation calls. */
function fakeApi({ lists = [], tasks = [], accept = () => ({ task_id: 'T1', status: 'queued' }) } = {}) {
  const calls = { listClusters: 0, getTask: 0, operations: [] };
  const next = (queue) => {
    const value = queue.length > 1 ? queue.shift() : queue[0];
    if (value instanceof Error) throw value;
    return value;
  };
  return {
    calls,
    async listClusters() { calls.listClusters += 1; return next(lists); },
    async getTask() { calls.getTask += 1; return next(tasks); },
    async clusterOperation(group, name, verb, body) { calls.operations.push([group, name, verb, body]); return accept(); },
  };
}

/** Fire the pending timer of `ms` milliseconds. */
function runTimer(timers, ms) {
  const [id, timer] = [...timers.pending.entries()].find(([, t]) => t.ms === ms);
  timers.pending.delete(id);
  timer.fn();
}

function setup(apiOptions) {
  const store = createDashboardStore();
  const timers = new ManualTimers();
  const api = fakeApi(apiOptions);
  const announced = [];
  const tracker = createClustersTracker({
    api, store, broadcast: { announce: (...change) => announced.push(change) }, ...timers,
  });
  const shown = () => shownClusters(store.getState().clusters);
  return { store, timers, api, announced, tracker, shown };
}

describe('clusters tracker', () => {
  test('a settled list is read once and not polled', async () => {
    const { tracker, timers, shown } = setup({ lists: [{ clusters: [running], degraded: false }] });
    await tracker.refresh();
    assert.deepEqual(shown(), [running]);
    assert.equal(timers.count, 0);
  });

  test('a changing list is read again 10 s later', async () => {
    const updating = { ...running, provisioning_state: 'Updating' };
    const { tracker, timers } = setup({ lists: [{ clusters: [updating], degraded: false }] });
    await tracker.refresh();
    assert.deepEqual([...timers.pending.values()].map((t) => t.ms), [10000]);
  });

  test('a degraded answer keeps the last list and says so', async () => {
    const { tracker, store, shown } = setup({ lists: [{ clusters: [running], degraded: false }, { clusters: [], degraded: true }] });
    await tracker.refresh();
    await tracker.refresh();
    assert.deepEqual(shown(), [running]);
    assert.equal(store.getState().clusters.degraded, true);
  });

  test('an accepted Stop is followed to its end, told to other tabs, and the list re-read', async () => {
    const { tracker, timers, api, announced, store, shown } = setup({
      lists: [{ clusters: [running], degraded: false }, { clusters: [stopped], degraded: false }],
      tasks: [task('running'), task('succeeded')],
    });
    await tracker.refresh();
    await tracker.run(running, OPERATIONS.Stop);
    await settle();
    assert.deepEqual(api.calls.operations, [['rg', 'c1', 'stop', undefined]]);
    assert.equal(shown()[0].operation.status, 'running');
    assert.equal(store.getState().clusters.followed[clusterKey(running)].stepIndex, 3);
    runTimer(timers, 2000);
    await settle();
    await settle();
    assert.deepEqual(announced.map(([, phase]) => phase), ['started', 'ended']);
    assert.deepEqual(shown(), [stopped]);
    assert.equal(timers.count, 0);
  });

  test('a failed operation leaves its classified error on the row', async () => {
    const error = { message: 'Scale failed: quota.', actions: [] };
    const { tracker, store } = setup({
      lists: [{ clusters: [running], degraded: false }],
      tasks: [task('failed', { type: 'aks_scale', error })],
    });
    await tracker.refresh();
    await tracker.run(running, OPERATIONS.Scale, { node_pool: 'p', node_count: 2 });
    await settle();
    await settle();
    assert.deepEqual(store.getState().clusters.problems[clusterKey(running)], { message: 'Scale failed: quota.', actions: [] });
  });

  test('a refused request rejects, follows nothing and re-reads the stale list', async () => {
    const refused = Object.assign(new Error('only a running cluster can be stopped'), { status: 409 });
    const { tracker, store, announced, api, shown } = setup({
      lists: [{ clusters: [running], degraded: false }, { clusters: [stopped], degraded: false }],
      accept: () => { throw refused; },
    });
    await tracker.refresh();
    await assert.rejects(tracker.run(running, OPERATIONS.Stop), /only a running/);
    await settle();
    assert.deepEqual(store.getState().clusters.followed, {});
    assert.deepEqual(announced, []);
    assert.equal(api.calls.listClusters, 2);
    assert.deepEqual(shown(), [stopped]);
  });

  test('a refusal for bad input keeps the list as it is', async () => {
    const invalid = Object.assign(new Error('node_count must be 1..100'), { status: 400 });
    const { tracker, api } = setup({ lists: [{ clusters: [running], degraded: false }], accept: () => { throw invalid; } });
    await tracker.refresh();
    await assert.rejects(tracker.run(running, OPERATIONS.Scale, { node_pool: 'p', node_count: 0 }));
    assert.equal(api.calls.listClusters, 1);
  });

  test('an operation another tab started is followed from the list', async () => {
    const busy = { ...running, operation: { task_id: 'T1', type: 'aks_stop', status: 'running', step: 'Stopping cluster' } };
    const { tracker, api, store } = setup({ lists: [{ clusters: [busy], degraded: false }], tasks: [task('running')] });
    await tracker.refresh();
    await settle();
    assert.equal(api.calls.getTask, 1);
    assert.equal(store.getState().clusters.followed[clusterKey(busy)].taskId, 'T1');
  });

  test('a list read that fails keeps the list and marks it unavailable', async () => {
    const { tracker, store, shown } = setup({ lists: [{ clusters: [running], degraded: false }, new Error('offline')] });
    await tracker.refresh();
    await tracker.refresh();
    assert.deepEqual(shown(), [running]);
    assert.equal(store.getState().clusters.unavailable, true);
  });
});
