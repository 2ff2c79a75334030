import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  isSameCluster,
  isReportableFailure,
  normalizeSnapshot,
  requestFromSnapshot,
  sameSnapshot,
  snapshotFromTask,
} from '../js/failure-snapshot.js';
import { failedTask } from './fakes.js';

describe('snapshot from a task', () => {
  test('carries what the banner and Edit & retry need', () => {
    const snapshot = snapshotFromTask(failedTask(), new Date('2024-05-01T10:01:00Z'));
    assert.equal(snapshot.v, 1);
    assert.equal(snapshot.task_id, 'T-1');
    assert.equal(snapshot.when, '2024-05-01T10:00:05Z');
    assert.equal(snapshot.cluster_name, 'quota-one');
    assert.equal(snapshot.resource_group, 'rg1');
    assert.equal(snapshot.region, 'eastus');
    assert.equal(snapshot.error.code, 'QuotaExceeded');
    assert.equal(snapshot.error.actions[0].label, 'Request quota increase');
    assert.equal(snapshot.saved_at, '2024-05-01T10:01:00.000Z');
  });

  test('a cancelled task without an error gets a cancelled error', () => {
    const snapshot = snapshotFromTask(
      failedTask({ status: 'cancelled', error: null, progress: { cluster_seen: true, portal_url: 'https://p/x' } }),
    );
    assert.equal(snapshot.error.category, 'cancelled');
    assert.equal(snapshot.progress.portal_url, 'https://p/x');
  });

  test('a running task is not a snapshot', () => {
    assert.equal(snapshotFromTask(failedTask({ status: 'running', error: null })), null);
  });

  test('bad action entries are dropped, good ones kept', () => {
    const error = { ...failedTask().error, actions: [{ kind: 'link' }, 'x', { kind: 'edit', label: 'Edit' }] };
    assert.deepEqual(snapshotFromTask(failedTask({ error })).error.actions, [
      { kind: 'edit', label: 'Edit', url: null },
    ]);
  });

  test('normalizing drops unknown properties', () => {
    const snapshot = normalizeSnapshot({ ...snapshotFromTask(failedTask()), extra: 'x' });
    assert.equal('extra' in snapshot, false);
  });
});

describe('reportable failures', () => {
  test('failed is reportable', () => assert.equal(isReportableFailure(failedTask()), true));
  test('cancelled after the cluster was seen is reportable', () => {
    assert.equal(isReportableFailure(failedTask({ status: 'cancelled', progress: { cluster_seen: true } })), true);
  });
  test('cancelled before anything existed is not', () => {
    assert.equal(isReportableFailure(failedTask({ status: 'cancelled', progress: { cluster_seen: false } })), false);
  });
  test('succeeded is not', () => assert.equal(isReportableFailure(failedTask({ status: 'succeeded' })), false));
});

describe('snapshot comparison and retry values', () => {
  test('the same failure saved at different times is the same', () => {
    const a = snapshotFromTask(failedTask(), new Date('2024-05-01T10:01:00Z'));
    const b = snapshotFromTask(failedTask(), new Date('2024-05-01T11:01:00Z'));
    assert.equal(sameSnapshot(a, b), true);
  });
  test('different failures differ', () => {
    assert.equal(sameSnapshot(snapshotFromTask(failedTask()), snapshotFromTask(failedTask({ task_id: 'T-2' }))), false);
    assert.equal(sameSnapshot(snapshotFromTask(failedTask()), null), false);
    assert.equal(sameSnapshot(null, null), true);
  });
  test('Edit & retry starts from the failed request', () => {
    assert.deepEqual(requestFromSnapshot(snapshotFromTask(failedTask())), {
      cluster_name: 'quota-one',
      resource_group: 'rg1',
      region: 'eastus',
      node_vm_size: 'Standard_D2s_v5',
      node_count: 1,
      kubernetes_version: '',
    });
  });
});

describe('a success resolves only the same cluster', () => {
  const snapshot = { resource_group: 'RG-Web', cluster_name: 'Web-1' };

  test('same resource group and name in another case is the same cluster', () => {
    assert.equal(isSameCluster(snapshot, { request: { resource_group: 'rg-web', cluster_name: 'web-1' } }), true);
  });

  test('another cluster name is not the same cluster', () => {
    assert.equal(isSameCluster(snapshot, { request: { resource_group: 'rg-web', cluster_name: 'web-2' } }), false);
  });

  test('another resource group is not the same cluster', () => {
    assert.equal(isSameCluster(snapshot, { request: { resource_group: 'rg-other', cluster_name: 'web-1' } }), false);
  });

  test('no snapshot or no request is never the same cluster', () => {
    assert.equal(isSameCluster(null, { request: { resource_group: 'a', cluster_name: 'b' } }), false);
    assert.equal(isSameCluster(snapshot, {}), false);
  });
});
