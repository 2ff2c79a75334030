import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  badgeFor,
  clusterKey,
  followedFromTask,
  listNote,
  problemFor,
  problemFromTask,
  progressLine,
  recordedProblems,
  rowFacts,
  withFollowedOperation,
} from '../js/clusters-model.js';

const cluster = {
  name: 'web1', resource_group: 'RG-One', region: 'eastus', provisioning_state: 'Succeeded',
  power_state: 'Running', kubernetes_version: '1.30.1', node_count: 3, upgrades: ['1.31.2'],
  node_pools: [{ name: 'system', mode: 'System', count: 1 }, { name: 'work', mode: 'User', count: 2 }],
  operation: null,
};

describe('rows', () => {
  test('a cluster key ignores case, as ARM names do', () => {
    assert.equal(clusterKey(cluster), clusterKey({ name: 'WEB1', resource_group: 'rg-one' }));
  });
  test('a row lists resource group, region, version and node count', () => {
    assert.deepEqual(rowFacts(cluster), [
      ['Resource group', 'RG-One'], ['Region', 'eastus'], ['Kubernetes', '1.30.1'], ['Nodes', '3 nodes'],
    ]);
    assert.deepEqual(rowFacts({ ...cluster, node_count: 1, kubernetes_version: null }).at(-1), ['Nodes', '1 node']);
  });
  test('an operation this tab follows wins over the list and drives the badge', () => {
    const followed = { taskId: 'T9', type: 'aks_stop', status: 'running', step: 'Stopping cluster' };
    const shown = withFollowedOperation(cluster, followed);
    assert.equal(badgeFor(shown), 'Stopping');
    assert.equal(withFollowedOperation(cluster, undefined), cluster);
  });
  test('the progress line names the operation, its step number and step', () => {
    const task = { task_id: 'T9', type: 'aks_scale', status: 'running', progress: { step: 'Scaling node pool', step_index: 2, total_steps: 4 } };
    const followed = followedFromTask(task);
    assert.equal(progressLine(withFollowedOperation(cluster, followed), followed), 'Scaling — Step 2 of 4: Scaling node pool');
    const queued = { taskId: 'T9', type: 'aks_delete', status: 'queued', step: null };
    assert.equal(progressLine(withFollowedOperation(cluster, queued)), 'Deleting: Queued');
    assert.equal(progressLine(cluster), '');
  });
  test('only a failed task leaves a problem, with its message and actions', () => {
    const actions = [{ kind: 'link', label: 'Request quota increase', url: 'https://portal.azure.com/#q' }];
    assert.deepEqual(problemFromTask({ status: 'failed', error: { message: 'No quota.', actions } }), { message: 'No quota.', actions });
    assert.deepEqual(problemFromTask({ status: 'failed', error: null }), { message: 'The operation failed.', actions: [] });
    assert.equal(problemFromTask({ status: 'succeeded' }), null);
  });
  test('the note explains a stale or empty list, and is empty otherwise', () => {
    assert.match(listNote({ loaded: true, degraded: true, unavailable: false, clusters: [cluster] }), /last list/);
    assert.match(listNote({ loaded: true, degraded: false, unavailable: false, clusters: [] }), /No clusters yet/);
    assert.equal(listNote({ loaded: true, degraded: false, unavailable: false, clusters: [cluster] }), '');
    assert.equal(listNote({ loaded: false, degraded: false, unavailable: false, clusters: [] }), '');
  });
});

describe('failures recorded in the attempt history', () => {
  const job = (type, status, name = 'web1', message = `${type} ${status}`) => ({
    type, status, request: { resource_group: 'rg-one', cluster_name: name }, error: status === 'failed' ? { message, actions: [] } : null,
  });
  test("a cluster's newest task, when it is a failed operation, is its recorded problem", () => {
    const problems = recordedProblems([job('aks_scale', 'failed'), job('aks_stop', 'succeeded')]);
    assert.deepEqual(problems, { 'rg-one/web1': { message: 'aks_scale failed', actions: [] } });
  });
  test('a later task of any type clears it; create failures stay with the banner', () => {
    assert.deepEqual(recordedProblems([job('aks_start', 'succeeded'), job('aks_scale', 'failed')]), {});
    assert.deepEqual(recordedProblems([job('aks_provision', 'failed', 'web2')]), {});
    assert.deepEqual(recordedProblems(undefined), {});
  });
  test("the row prefers this tab's problem and hides a recorded one while an operation runs", () => {
    const own = { message: 'refused', actions: [] };
    const recorded = { message: 'old', actions: [] };
    const busy = { ...cluster, operation: { task_id: 'T', type: 'aks_stop', status: 'running' } };
    assert.equal(problemFor(cluster, own, recorded), own);
    assert.equal(problemFor(cluster, undefined, recorded), recorded);
    assert.equal(problemFor(busy, undefined, recorded), null);
  });
});
