import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { openingValues } from '../js/components/create-dialog.js';

describe('create dialog opening values', () => {
  test('an empty dialog opens with the defaults', () => {
    assert.deepEqual(openingValues(null), {
      cluster_name: '',
      resource_group: '',
      region: 'eastus',
      node_vm_size: 'Standard_D2s_v5',
      node_count: '1',
      kubernetes_version: '',
    });
  });

  test('Edit & retry prefills the failed request as text', () => {
    const values = openingValues({ cluster_name: 'c1', resource_group: 'rg', node_count: 3, kubernetes_version: '1.30' });
    assert.equal(values.cluster_name, 'c1');
    assert.equal(values.node_count, '3');
    assert.equal(values.kubernetes_version, '1.30');
  });

  test('empty or missing prefill values and unknown fields keep the defaults', () => {
    const values = openingValues({ region: '', node_vm_size: null, node_count: undefined, extra: 'x' });
    assert.equal(values.region, 'eastus');
    assert.equal(values.node_vm_size, 'Standard_D2s_v5');
    assert.equal(values.node_count, '1');
    assert.equal('extra' in values, false);
  });
});
