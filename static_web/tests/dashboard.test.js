import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createDashboard, PARTIAL_DELETED_NOTICE } from '../js/dashboard.js';
import { snapshotFromTask } from '../js/failure-snapshot.js';
import { createLastFailedStore, STORAGE_KEY } from '../js/last-failed-store.js';
import { failedTask, FakeEventTarget, ManualTimers, MemoryStorage, settle } from './fakes.js';

const STOP = { kind: 'stop', enabled: true, reason: null };
const cluster = (name, overrides = {}) => ({
  name, resource_group: 'rg', region: 'eastus', provisioning_state: 'Succeeded', power_state: 'Running',
  node_count: 1, node_pools: [{ name: 'system', mode: 'System', count: 1 }], upgrades: [], operation: null,
  actions: [STOP], ...overrides,
});

/** An API whose answers the test sets; getTask answers per task id from a queue. */
function fakeApi() {
  const calls = [];
  const api = {
    calls,
    tasks: {},
    clusters: [],
    jobs: [],
    recent: { jobs: [], degraded: false },
    refuse: null,
    count: (name) => calls.filter((call) => call[0] === name).length,
    async getTask(taskId) {
      calls.push(['getTask', taskId]);
      const next = api.tasks[taskId]?.shift();
      if (!next) throw Object.assign(new Error('gone'), { status: 404 });
      return next;
    },
    async listClusters() {
      calls.push(['listClusters']);
      return { clusters: api.clusters, degraded: false };
    },
    async history() {
      calls.push(['history']);
      return { jobs: api.jobs };
    },
    async recentFailedProvisions() {
      calls.push(['recentFailedProvisions']);
      return api.recent;
    },
    async dismiss(taskId) {
      calls.push(['dismiss', taskId]);
    },
    async cancel(taskId) {
      calls.push(['cancel', taskId]);
      if (api.refuse) throw api.refuse;
      return { status: 'cancelling' };
    },
    async clusterOperation(target, verb, body) {
      calls.push(['clusterOperation', target.name, verb, body]);
      if (api.refuse) throw api.refuse;
      return { task_id: `op-${verb}`, status: 'queued' };
    },
    async deleteCluster(taskId) {
      calls.push(['deleteCluster', taskId]);
      return { task_id: 'cleanup-1', status: 'queued' };
    },
    async options(region) {
      calls.push(['options', region]);
      return { region, limits: { node_count: { min: 1, max: 100 } } };
    },
    async me() {
      return { userDetails: 'ada' };
    },
  };
  return api;
}

/** A dashboard over fakes; `posted` holds what it told the other tabs, `deliver` plays one. */
function setup({ saved = null } = {}) {
  const api = fakeApi();
  const storage = new MemoryStorage(saved ? { [STORAGE_KEY]: JSON.stringify(saved) } : {});
  const lastFailed = createLastFailedStore({ storage, eventTarget: new FakeEventTarget() });
  const posted = [];
  let listener = () => {};
  const sync = { post: (message) => posted.push(message), listen: (fn) => { listener = fn; }, usesChannel: true };
  const timers = new ManualTimers();
  const dashboard = createDashboard({ api, lastFailed, sync, setTimer: timers.setTimer, clearTimer: timers.clearTimer, clock: () => Date.parse('2025-12-06T10:00:00Z') });
  return { api, storage, lastFailed, posted, timers, dashboard, deliver: (message) => listener(message) };
}

const provision = (status, overrides = {}) => failedTask({ task_id: 'A-1', status, error: null, request: { resource_group: 'rg', cluster_name: 'web-1', region: 'eastus' }, ...overrides });

describe('start', () => {
  test('the saved banner shows before any server answer, then the server is asked once each', async () => {
    const saved = snapshotFromTask(failedTask());
    const { dashboard, api } = setup({ saved });
    dashboard.start();
    assert.equal(dashboard.state.failure.value.task_id, 'T-1');
    assert.equal(api.count('recentFailedProvisions'), 1);
    assert.equal(api.count('listClusters'), 1);
    await settle();
    assert.equal(dashboard.state.signedIn.value, 'Signed in as ada');
  });

  test('a create still running on load is followed in the card', async () => {
    const { dashboard, api } = setup();
    api.jobs = [provision('running')];
    api.tasks['A-1'] = [provision('running')];
    dashboard.start();
    await settle();
    assert.equal(dashboard.state.attempt.value.taskId, 'A-1');
  });
});

describe('a create attempt', () => {
  test('starting one shows it, tells the other tabs and asks for focus on it', async () => {
    const { dashboard, api, posted } = setup();
    api.tasks['A-1'] = [provision('running')];
    dashboard.attemptStarted({ task_id: 'A-1', status: 'queued' }, { cluster_name: 'web-1', resource_group: 'rg', region: 'eastus', node_vm_size: 'x', node_count: 1 });
    assert.equal(dashboard.state.attempt.value.taskId, 'A-1');
    assert.deepEqual(dashboard.state.focus.value, { target: 'attempt' });
    assert.equal(posted[0].type, 'task');
    assert.equal(posted[0].task.status, 'queued');
    await settle();
    assert.equal(dashboard.state.attempt.value.task.status, 'running');
    const tasks = posted.filter((message) => message.type === 'task');
    assert.equal(tasks.at(-1).task.status, 'running', 'what a poll learns reaches the other tabs');
  });

  test('a failure ends the attempt, saves and shows the banner, and asks the server again', async () => {
    const { dashboard, api, lastFailed } = setup();
    api.tasks['A-1'] = [failedTask({ task_id: 'A-1' })];
    api.recent = { jobs: [failedTask({ task_id: 'A-1' })], degraded: false };
    dashboard.attemptStarted({ task_id: 'A-1' }, { cluster_name: 'quota-one', resource_group: 'rg1', region: 'eastus', node_vm_size: 'x', node_count: 1 });
    await settle();
    assert.equal(dashboard.state.attempt.value, null);
    assert.equal(dashboard.state.failure.value.task_id, 'A-1');
    assert.equal(lastFailed.load().task_id, 'A-1');
    assert.ok(api.count('recentFailedProvisions') >= 1);
    assert.ok(api.count('listClusters') >= 1);
  });

  test('once Azure has the cluster, Your clusters is read again (once) so it shows as Creating', async () => {
    const { dashboard, api, timers } = setup();
    const seen = () => provision('running', { progress: { step: 'Creating cluster', cluster_seen: true } });
    api.tasks['A-1'] = [provision('running'), seen(), seen()];
    dashboard.attemptStarted({ task_id: 'A-1' }, { cluster_name: 'web-1', resource_group: 'rg', region: 'eastus', node_vm_size: 'x', node_count: 1 });
    await settle();
    const before = api.count('listClusters');
    const poll = () => {
      const [id, timer] = [...timers.pending].find(([, t]) => t.ms === 2000);
      timers.pending.delete(id);
      timer.fn();
    };
    poll();
    await settle();
    assert.equal(api.count('listClusters'), before + 1);
    poll();
    await settle();
    assert.equal(api.count('listClusters'), before + 1);
  });

  test('the success of an Edit & retry clears the banner of the attempt it retried', async () => {
    const saved = snapshotFromTask(failedTask());
    const { dashboard, api } = setup({ saved });
    dashboard.start();
    api.tasks['A-2'] = [provision('succeeded', { task_id: 'A-2', request: { resource_group: 'rg', cluster_name: 'renamed', retry_of: 'T-1' } })];
    dashboard.attemptStarted({ task_id: 'A-2' }, { cluster_name: 'renamed', resource_group: 'rg', region: 'eastus', node_vm_size: 'x', node_count: 1, retry_of: 'T-1' });
    await settle();
    assert.equal(dashboard.state.failure.value, null);
    assert.match(dashboard.state.notice.value.text, /Cluster renamed is ready/);
  });

  test('Stop attempt tells the other tabs; a refused cancel offers it again with a warning', async () => {
    const { dashboard, api, posted } = setup();
    api.tasks['A-1'] = [provision('running'), provision('running')];
    dashboard.attemptStarted({ task_id: 'A-1' }, { cluster_name: 'web-1', resource_group: 'rg', region: 'eastus', node_vm_size: 'x', node_count: 1 });
    await settle();
    api.refuse = Object.assign(new Error('busy'), { status: 409 });
    await dashboard.stopAttempt();
    assert.ok(posted.some((m) => m.type === 'stopping' && m.taskId === 'A-1'));
    assert.equal(dashboard.state.attempt.value.stopping, false);
    assert.equal(dashboard.state.notice.value.tone, 'warning');
  });
});

describe('other tabs', () => {
  test('what another tab learns is applied here without echo or a second poll', async () => {
    const harness = setup();
    const { dashboard, posted, api, deliver } = harness;
    dashboard.start();
    await settle();
    const before = posted.length;
    const reads = api.count('getTask');
    deliver({ type: 'task', task: provision('running') });
    assert.equal(dashboard.state.attempt.value.taskId, 'A-1');
    deliver({ type: 'stopping', taskId: 'A-1' });
    assert.equal(dashboard.state.attempt.value.stopping, true);
    deliver({ type: 'task', task: provision('succeeded') });
    assert.equal(dashboard.state.attempt.value, null);
    assert.match(dashboard.state.notice.value.text, /Cluster web-1 is ready/);
    deliver({ type: 'clusters', clusters: [cluster('web-1')], degraded: false });
    assert.deepEqual(dashboard.rows.value.map((row) => row.key), ['rg/web-1']);
    deliver({ type: 'history', jobs: [provision('succeeded')] });
    assert.equal(dashboard.state.history.value.jobs.length, 1);
    await settle();
    assert.equal(posted.length, before, 'nothing received is posted again');
    assert.equal(api.count('getTask'), reads, 'the tab that reported it polls; this one waits');
  });
});

describe('Your clusters', () => {
  test('rows come in natural order and the filter narrows them by name, group, region or state', async () => {
    const { dashboard, api } = setup();
    api.clusters = [cluster('web-10'), cluster('web-2'), cluster('api', { power_state: 'Stopped' })];
    await dashboard.refreshClusters();
    assert.deepEqual(dashboard.rows.value.map((row) => row.listed.name), ['api', 'web-2', 'web-10']);
    dashboard.state.filter.value = 'stopped';
    assert.deepEqual([...dashboard.shownKeys.value], ['rg/api']);
    dashboard.state.filter.value = 'web';
    assert.equal(dashboard.shownKeys.value.size, 2);
  });

  test('a row that did not change keeps its identity, so it is not rendered again', async () => {
    const { dashboard, api } = setup();
    const web1 = cluster('web-1');
    api.clusters = [web1, cluster('web-2')];
    await dashboard.refreshClusters();
    const first = dashboard.rows.value;
    dashboard.state.problems.value = { 'rg/web-2': { message: 'x', actions: [] } };
    const second = dashboard.rows.value;
    assert.equal(second[0], first[0]);
    assert.notEqual(second[1], first[1]);
  });

  test('the list read here reaches the other tabs; one read while changing is repeated in 10 s', async () => {
    const { dashboard, api, posted, timers } = setup();
    api.clusters = [cluster('web-1', { provisioning_state: 'Updating' })];
    await dashboard.refreshClusters();
    assert.deepEqual([...timers.pending.values()].map((timer) => timer.ms).sort(), [0, 10000]);
    const [id, post] = [...timers.pending].find(([, timer]) => timer.ms === 0);
    timers.pending.delete(id);
    post.fn(); // the post waits until this tab has drawn the list
    assert.equal(posted.at(-1).type, 'clusters');
    assert.deepEqual(posted.at(-1).clusters.map((c) => c.name), ['web-1']);
  });

  test('an operation runs, is followed in its row, and focus goes to that row', async () => {
    const { dashboard, api } = setup();
    api.clusters = [cluster('web-1')];
    await dashboard.refreshClusters();
    api.tasks['op-stop'] = [{ task_id: 'op-stop', type: 'aks_stop', status: 'running', request: { resource_group: 'rg', cluster_name: 'web-1' }, progress: { step: 'Stopping cluster', step_index: 2, total_steps: 3 } }];
    await dashboard.runOperation(dashboard.rows.value[0].listed, 'stop');
    assert.deepEqual(dashboard.state.focus.value, { target: 'row', key: 'rg/web-1' });
    await settle();
    const row = dashboard.rows.value[0];
    assert.equal(row.followed.step, 'Stopping cluster');
    assert.ok(row.listed.actions.length === 1 && row.followed.taskId === 'op-stop');
  });

  test('a refused operation re-reads the list and shows the reason in the row', async () => {
    const { dashboard, api } = setup();
    api.clusters = [cluster('web-1')];
    await dashboard.refreshClusters();
    api.refuse = Object.assign(new Error('only a stopped cluster can be started'), { status: 409 });
    const reads = api.count('listClusters');
    await dashboard.runNow(dashboard.rows.value[0].listed, 'start');
    assert.equal(api.count('listClusters'), reads + 1);
    assert.equal(dashboard.rows.value[0].problem.message, 'Could not start the cluster: only a stopped cluster can be started');
  });

  test('an operation that fails leaves its classified error in the row', async () => {
    const { dashboard, api } = setup();
    api.clusters = [cluster('web-1')];
    await dashboard.refreshClusters();
    api.tasks['op-scale'] = [{ task_id: 'op-scale', type: 'aks_scale', status: 'failed', request: { resource_group: 'rg', cluster_name: 'web-1' }, error: { code: 'Q', category: 'quota', message: 'No quota left.', actions: [] } }];
    await dashboard.runOperation(dashboard.rows.value[0].listed, 'scale', { node_pool: 'system', node_count: 3 });
    await settle();
    assert.equal(dashboard.rows.value[0].problem.message, 'No quota left.');
    assert.equal(dashboard.rows.value[0].followed, null);
  });
});

describe('the banner', () => {
  test('Delete partial cluster follows the cleanup; its success clears the banner everywhere', async () => {
    const stopped = snapshotFromTask(failedTask({ status: 'cancelled', error: null, progress: { cluster_seen: true, portal_url: 'https://portal.azure.com/#x' } }));
    const { dashboard, api, lastFailed } = setup({ saved: stopped });
    dashboard.start();
    api.tasks['cleanup-1'] = [{ task_id: 'cleanup-1', type: 'aks_delete', status: 'succeeded', request: { resource_group: 'rg1', cluster_name: 'quota-one' } }];
    await dashboard.deletePartialCluster(dashboard.state.failure.value);
    await settle();
    assert.equal(dashboard.state.failure.value, null);
    assert.equal(lastFailed.load(), null);
    assert.equal(dashboard.state.notice.value.text, PARTIAL_DELETED_NOTICE);
    assert.deepEqual(dashboard.state.focus.value, { target: 'notice' });
  });

  test('Dismiss clears the banner, tells the server and sends focus to Create cluster', async () => {
    const { dashboard, api } = setup({ saved: snapshotFromTask(failedTask()) });
    dashboard.start();
    dashboard.dismiss(dashboard.state.failure.value);
    await settle();
    assert.equal(dashboard.state.failure.value, null);
    assert.ok(api.calls.some(([name, id]) => name === 'dismiss' && id === 'T-1'));
    assert.deepEqual(dashboard.state.focus.value, { target: 'create' });
  });
});

describe('options', () => {
  test("the server's limits come from the first options document, which is cached per region", async () => {
    const { dashboard, api } = setup();
    assert.equal(dashboard.limits.value, null);
    await dashboard.loadOptions('eastus');
    await dashboard.loadOptions('eastus');
    assert.deepEqual(dashboard.limits.value, { node_count: { min: 1, max: 100 } });
    assert.equal(api.count('options'), 1);
  });
});
