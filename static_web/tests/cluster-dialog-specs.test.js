import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { deleteRequest, DIALOG_SPECS, scaleRequest, upgradeRequest } from '../js/cluster-dialog-specs.js';

const cluster = {
  name: 'web1', resource_group: 'RG-One', kubernetes_version: '1.30.1', upgrades: ['1.31.2'],
  node_pools: [{ name: 'system', mode: 'System', count: 1 }, { name: 'work', mode: 'User', count: 2 }],
};

describe('dialog requests', () => {
  test('scale sends one of the pools and a whole count from 1 to 100', () => {
    assert.deepEqual(scaleRequest(cluster, { node_pool: 'work', node_count: '5' }), { ok: true, body: { node_pool: 'work', node_count: 5 } });
    for (const count of ['0', '101', '2.5', '', 'ten']) {
      assert.equal(scaleRequest(cluster, { node_pool: 'work', node_count: count }).field, 'node_count');
    }
    assert.equal(scaleRequest(cluster, { node_pool: 'other', node_count: '2' }).field, 'node_pool');
  });
  test('upgrade sends only an offered version', () => {
    assert.deepEqual(upgradeRequest(cluster, { kubernetes_version: '1.31.2' }), { ok: true, body: { kubernetes_version: '1.31.2' } });
    assert.equal(upgradeRequest(cluster, { kubernetes_version: '1.29.0' }).ok, false);
  });
  test('delete sends the exact name as confirm', () => {
    assert.deepEqual(deleteRequest(cluster, { confirm: 'web1' }), { ok: true, body: { confirm: 'web1' } });
    assert.equal(deleteRequest(cluster, { confirm: 'WEB1' }).ok, false);
  });
  test('the Delete dialog enables its button only on the exact name', () => {
    const spec = DIALOG_SPECS.delete;
    assert.equal(spec.title, 'Delete cluster');
    assert.equal(spec.fields(cluster)[0].label, 'Type the cluster name to confirm');
    assert.equal(spec.enabled(cluster, { confirm: 'web' }), false);
    assert.equal(spec.enabled(cluster, { confirm: 'web1' }), true);
  });
  test('the Scale dialog offers every pool and starts from the chosen pool\'s count', () => {
    const [pool, count] = DIALOG_SPECS.scale.fields(cluster);
    assert.deepEqual(pool.choices.map((c) => c.value), ['system', 'work']);
    assert.equal(count.value, '1');
    assert.deepEqual(DIALOG_SPECS.scale.linked.node_pool(cluster, { node_pool: 'work', node_count: '1' }), { node_count: '2' });
  });
  test('the Upgrade dialog offers exactly the cluster\'s upgrades', () => {
    const [version] = DIALOG_SPECS.upgrade.fields(cluster);
    assert.deepEqual(version.choices.map((c) => c.value), ['1.31.2']);
  });
});
