import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  badgeFor,
  clusterKey,
  countLine,
  filterText,
  followedFromTask,
  isChanging,
  listNote,
  matchesFilter,
  nextRefreshMs,
  pricePerHour,
  problemFromTask,
  progressLine,
  recordedProblems,
  rowActions,
  sortClusters,
  withFollowedOperation,
} from '../js/clusters-model.js';

const running = {
  name: 'web-1', resource_group: 'rg-one', region: 'eastus', provisioning_state: 'Succeeded', power_state: 'Running',
  kubernetes_version: '1.32.6', node_count: 3, upgrades: ['1.33.2'], operation: null,
  actions: [
    { kind: 'connect', enabled: true, reason: null },
    { kind: 'stop', enabled: true, reason: null },
    { kind: 'scale', enabled: true, reason: null },
    { kind: 'upgrade', enabled: false, reason: 'No newer version is offered' },
    { kind: 'node_pools', enabled: true, reason: null },
    { kind: 'guardrails', enabled: true, reason: null },
    { kind: 'delete', enabled: true, reason: null },
  ],
};

describe('state badge', () => {
  test('settled clusters read Running or Stopped', () => {
    assert.equal(badgeFor(running), 'Running');
    assert.equal(badgeFor({ ...running, power_state: 'Stopped' }), 'Stopped');
  });
  test('a create that failed or was aborted shows Failed or Canceled, not Running', () => {
    assert.equal(badgeFor({ ...running, provisioning_state: 'Failed' }), 'Failed');
    assert.equal(badgeFor({ ...running, provisioning_state: 'Canceled' }), 'Canceled');
  });
  test('an operation of the product names what is happening', () => {
    assert.equal(badgeFor({ ...running, operation: { task_id: 't', type: 'aks_scale', status: 'running' } }), 'Scaling');
    assert.equal(badgeFor({ ...running, operation: { task_id: 't', type: 'aks_scale', status: 'succeeded' } }), 'Running');
  });
  test("ARM's own transitional states show as they are, unknown ones as Updating", () => {
    for (const state of ['Creating', 'Updating', 'Upgrading', 'Stopping', 'Starting', 'Deleting']) {
      assert.equal(badgeFor({ ...running, provisioning_state: state }), state);
    }
    assert.equal(badgeFor({ ...running, provisioning_state: 'Migrating' }), 'Updating');
  });
});

describe('row actions come from the server', () => {
  test('exactly the offered kinds, in the order the server gives them', () => {
    assert.deepEqual(rowActions(running).map((a) => a.label),
      ['Connect', 'Stop', 'Scale', 'Upgrade', 'Node pools', 'Guardrails', 'Delete']);
    const reversed = { ...running, actions: [...running.actions].reverse() };
    assert.deepEqual(rowActions(reversed).map((a) => a.kind).at(0), 'delete');
  });
  test('every accessible name ends with the cluster name', () => {
    for (const action of rowActions(running)) assert.ok(action.name.endsWith(' web-1'), action.name);
    assert.equal(rowActions(running)[1].name, 'Stop web-1');
  });
  test('a disabled action carries the server reason; an enabled one none', () => {
    const upgrade = rowActions(running).find((a) => a.kind === 'upgrade');
    assert.deepEqual([upgrade.enabled, upgrade.reason], [false, 'No newer version is offered']);
    assert.equal(rowActions(running)[0].reason, null);
  });
  test('kinds this dashboard does not know are left out, and no actions means no buttons', () => {
    assert.deepEqual(rowActions({ ...running, actions: [{ kind: 'teleport', enabled: true, reason: null }] }), []);
    const { actions: _none, ...older } = running;
    assert.deepEqual(rowActions(older), []);
  });
  test('an operation this tab started but the list does not show yet disables every action', () => {
    const followed = { taskId: 'T9', type: 'aks_stop', status: 'queued', step: null };
    const actions = rowActions(running, followed);
    assert.ok(actions.every((a) => !a.enabled && a.reason === 'Stopping has just started.'));
    const listed = { ...running, operation: { task_id: 'T9', type: 'aks_stop', status: 'running' } };
    assert.equal(rowActions(listed, followed)[0].enabled, true, 'once listed, the server actions are the truth');
  });
});

describe('filter, natural order and count', () => {
  const names = ['web-10', 'web-2', 'Web-1', 'api'];
  const clusters = names.map((name, i) => ({ ...running, name, resource_group: i % 2 ? 'rg-blue' : 'rg-green' }));
  test('names sort in natural order: web-2 before web-10, ignoring case', () => {
    assert.deepEqual(sortClusters(clusters).map((c) => c.name), ['api', 'Web-1', 'web-2', 'web-10']);
  });
  test('the filter matches name, resource group, region or state, every word typed', () => {
    const match = (cluster, text) => matchesFilter(filterText(cluster), text);
    assert.equal(match(clusters[0], 'WEB-1'), true);
    assert.equal(match(clusters[1], 'blue'), true);
    assert.equal(match(clusters[1], 'eastus'), true);
    assert.equal(match({ ...clusters[1], power_state: 'Stopped' }, 'stopped'), true);
    assert.equal(match(clusters[1], 'web running'), true);
    assert.equal(match(clusters[1], 'web stopped'), false);
    assert.equal(match(clusters[1], ''), true);
  });
  test('the count line says how many are shown of how many', () => {
    assert.equal(countLine(3, 12), '3 of 12 clusters');
    assert.equal(countLine(0, 1), '0 of 1 cluster');
  });
});

describe('row facts', () => {
  test('a cluster key ignores case, as ARM names do', () => {
    assert.equal(clusterKey(running), clusterKey({ name: 'WEB-1', resource_group: 'RG-ONE' }));
  });
  test('the price per hour reads the server cost, and nothing without one', () => {
    assert.equal(pricePerHour({ ...running, cost: { per_hour: 0.384, currency: 'USD', saved_this_month: 0 } }), '≈ $0.38/hr');
    assert.equal(pricePerHour({ ...running, cost: { per_hour: null } }), '');
    assert.equal(pricePerHour(running), '');
  });
  test('an operation this tab follows wins over the list and drives the badge', () => {
    const followed = { taskId: 'T9', type: 'aks_stop', status: 'running', step: 'Stopping cluster' };
    assert.equal(badgeFor(withFollowedOperation(running, followed)), 'Stopping');
    assert.equal(withFollowedOperation(running, undefined), running);
  });
  test('the progress line names the operation, its step number and step', () => {
    const task = { task_id: 'T9', type: 'aks_scale', status: 'running', progress: { step: 'Scaling node pool', step_index: 2, total_steps: 4 } };
    const followed = followedFromTask(task);
    assert.equal(progressLine(withFollowedOperation(running, followed), followed), 'Scaling — Step 2 of 4: Scaling node pool');
    const queued = { taskId: 'T9', type: 'aks_delete', status: 'queued', step: null };
    assert.equal(progressLine(withFollowedOperation(running, queued), queued), 'Deleting: Queued');
    assert.equal(progressLine(running, null), '');
  });
  test('only a failed task leaves a problem; its links stay https only', () => {
    const actions = [{ kind: 'link', label: 'Request quota increase', url: 'https://portal.azure.com/#q' }, { kind: 'link', label: 'Bad', url: 'javascript:alert(1)' }];
    const problem = problemFromTask({ task_id: 't', status: 'failed', error: { code: 'Q', category: 'quota', message: 'No quota.', actions } });
    assert.equal(problem.message, 'No quota.');
    assert.deepEqual(problem.actions.map((a) => a.as), ['link', 'text']);
    assert.equal(problemFromTask({ task_id: 't', status: 'failed', error: null }).message, 'The operation failed.');
    assert.equal(problemFromTask({ task_id: 't', status: 'succeeded' }), null);
  });
  test('the note explains a stale or empty list, and is empty otherwise', () => {
    assert.match(listNote({ loaded: true, degraded: true, unavailable: false, clusters: [running] }), /last list/);
    assert.match(listNote({ loaded: true, degraded: false, unavailable: false, clusters: [] }), /No clusters yet/);
    assert.equal(listNote({ loaded: true, degraded: false, unavailable: false, clusters: [running] }), '');
  });
});

describe('refresh and recorded problems', () => {
  test('every 10 s while something changes, never while nothing does', () => {
    assert.equal(nextRefreshMs([running]), null);
    assert.equal(nextRefreshMs([running, { ...running, provisioning_state: 'Updating' }]), 10000);
    assert.equal(isChanging({ ...running, operation: { task_id: 't', type: 'aks_stop', status: 'queued' } }), true);
    assert.equal(nextRefreshMs([]), null);
  });
  const job = (type, status) => ({
    task_id: `${type}-${status}`, type, status, request: { resource_group: 'rg-one', cluster_name: 'web-1' },
    error: status === 'failed' ? { code: 'X', category: 'unknown', message: `${type} ${status}`, actions: [] } : null,
  });
  test("a cluster's newest task, when it is a failed operation, is its recorded problem", () => {
    const problems = recordedProblems([job('aks_scale', 'failed'), job('aks_stop', 'succeeded')]);
    assert.deepEqual(problems, { 'rg-one/web-1': { message: 'aks_scale failed', actions: [] } });
  });
  test('a later task of any type clears it; create failures stay with the banner', () => {
    assert.deepEqual(recordedProblems([job('aks_start', 'succeeded'), job('aks_scale', 'failed')]), {});
    assert.deepEqual(recordedProblems([job('aks_provision', 'failed')]), {});
  });
});
