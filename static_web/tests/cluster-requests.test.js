import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { confirmMatches, deleteRequest, scaleRequest, upgradeRequest } from '../js/cluster-requests.js';

const cluster = {
  name: 'web-1', resource_group: 'rg', upgrades: ['1.33.1', '1.33.2'],
  node_pools: [{ name: 'system', mode: 'System', count: 1 }, { name: 'work', mode: 'User', count: 2 }],
};
const limits = { node_count: { min: 1, max: 100 } };

describe('row dialogs', () => {
  test('only the exact name confirms a delete', () => {
    assert.equal(confirmMatches('web-1', 'web-1'), true);
    for (const typed of ['WEB-1', 'web-1 ', 'web-', '']) assert.equal(confirmMatches(typed, 'web-1'), false);
    assert.deepEqual(deleteRequest(cluster, { confirm: 'web-1' }), { ok: true, body: { confirm: 'web-1' } });
    assert.equal(deleteRequest(cluster, { confirm: 'web' }).ok, false);
  });
  test("scale checks the pool against the cluster and the count against the server's limits", () => {
    assert.deepEqual(scaleRequest(cluster, { node_pool: 'work', node_count: '5' }, limits), { ok: true, body: { node_pool: 'work', node_count: 5 } });
    assert.equal(scaleRequest(cluster, { node_pool: 'gpu', node_count: '5' }, limits).field, 'node_pool');
    assert.equal(scaleRequest(cluster, { node_pool: 'work', node_count: '101' }, limits).message, 'Node count must be from 1 to 100.');
    assert.equal(scaleRequest(cluster, { node_pool: 'work', node_count: '101' }, null).ok, true, 'without limits the server judges');
  });
  test('upgrade offers exactly the versions the server lists for this cluster', () => {
    assert.deepEqual(upgradeRequest(cluster, { kubernetes_version: '1.33.2' }), { ok: true, body: { kubernetes_version: '1.33.2' } });
    assert.equal(upgradeRequest(cluster, { kubernetes_version: '1.34.0' }).ok, false);
  });
});
