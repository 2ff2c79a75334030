import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  checkClusterName,
  checkKubernetesVersion,
  checkNodeCount,
  checkRegion,
  checkResourceGroup,
  checkVmSize,
  validateProvisionForm,
} from '../js/validation.js';

const good = {
  cluster_name: 'my-cluster_1',
  resource_group: 'rg-(test).1',
  region: 'eastus',
  node_vm_size: 'Standard_D2s_v5',
  node_count: '3',
  kubernetes_version: '',
};

describe('cluster name', () => {
  for (const name of ['a', 'A1', 'my-cluster', 'my_cluster', 'x'.repeat(63)]) {
    test(`accepts ${name.slice(0, 12)} (${name.length} chars)`, () => {
      assert.equal(checkClusterName(name), null);
    });
  }
  for (const name of ['', '-start', 'end-', '_x', 'x_', 'has space', 'dot.name', 'x'.repeat(64), 'ünï']) {
    test(`rejects "${name.slice(0, 12)}"`, () => {
      assert.notEqual(checkClusterName(name), null);
    });
  }
});

describe('resource group', () => {
  test('accepts letters, digits and -_().', () => {
    assert.equal(checkResourceGroup('My_rg-(1).x'), null);
  });
  test('accepts 90 characters', () => {
    assert.equal(checkResourceGroup('r'.repeat(90)), null);
  });
  test('rejects 91 characters', () => {
    assert.notEqual(checkResourceGroup('r'.repeat(91)), null);
  });
  test('rejects a trailing period', () => {
    assert.match(checkResourceGroup('rg.'), /period/);
  });
  test('rejects other characters', () => {
    assert.notEqual(checkResourceGroup('rg/x'), null);
    assert.notEqual(checkResourceGroup('rg x'), null);
  });
  test('rejects empty', () => {
    assert.notEqual(checkResourceGroup('  '), null);
  });
});

describe('node count', () => {
  for (const value of ['1', '100', 7, '42']) {
    test(`accepts ${value}`, () => assert.equal(checkNodeCount(value), null));
  }
  for (const value of ['0', '101', '1.5', '-1', 'abc', '', '1e2']) {
    test(`rejects "${value}"`, () => assert.notEqual(checkNodeCount(value), null));
  }
});

describe('region and VM size', () => {
  test('region must be one of the choices', () => {
    assert.equal(checkRegion('eastus', ['eastus']), null);
    assert.notEqual(checkRegion('westus', ['eastus']), null);
  });
  test('region must look like an Azure region name', () => {
    assert.notEqual(checkRegion('East US'), null);
  });
  test('region needs at least three characters, as on the server', () => {
    assert.notEqual(checkRegion('ab'), null);
    assert.equal(checkRegion('abc'), null);
  });
  test('region allows at most forty characters, as on the server', () => {
    assert.equal(checkRegion(`a${'b'.repeat(39)}`), null);
    assert.notEqual(checkRegion(`a${'b'.repeat(40)}`), null);
  });
  test('VM size must be one of the choices', () => {
    assert.equal(checkVmSize('Standard_B2s', ['Standard_B2s']), null);
    assert.notEqual(checkVmSize('Standard_B4s', ['Standard_B2s']), null);
  });
  test('VM size must look like Standard_*', () => {
    assert.notEqual(checkVmSize('Basic_A0'), null);
  });
  test('VM size follows the server pattern: no empty or trailing parts', () => {
    assert.equal(checkVmSize('Standard_D2s_v5'), null);
    for (const size of ['Standard_', 'Standard_D2s_', 'Standard__D2s', 'Standard_D2s__v5']) {
      assert.notEqual(checkVmSize(size), null, size);
    }
  });
  test('VM size allows at most 64 characters, as on the server', () => {
    assert.equal(checkVmSize(`Standard_${'D'.repeat(55)}`), null);
    assert.notEqual(checkVmSize(`Standard_${'D'.repeat(56)}`), null);
  });
});

describe('kubernetes version', () => {
  for (const value of ['', '1.30', '1.30.4']) {
    test(`accepts "${value}"`, () => assert.equal(checkKubernetesVersion(value), null));
  }
  for (const value of ['1', 'v1.30', '1.30.4.1', 'latest', '1.' + '3'.repeat(15000), '1234.30']) {
    test(`rejects "${value}"`, () => assert.notEqual(checkKubernetesVersion(value), null));
  }
});

describe('whole form', () => {
  test('valid values produce the request body with a numeric node count', () => {
    const result = validateProvisionForm(good);
    assert.equal(result.ok, true);
    assert.deepEqual(result.body, {
      cluster_name: 'my-cluster_1',
      resource_group: 'rg-(test).1',
      region: 'eastus',
      node_vm_size: 'Standard_D2s_v5',
      node_count: 3,
    });
  });

  test('an empty Kubernetes version is left out of the body', () => {
    assert.equal('kubernetes_version' in validateProvisionForm(good).body, false);
  });

  test('a Kubernetes version is sent when given', () => {
    const result = validateProvisionForm({ ...good, kubernetes_version: ' 1.30 ' });
    assert.equal(result.body.kubernetes_version, '1.30');
  });

  test('surrounding spaces are trimmed', () => {
    assert.equal(validateProvisionForm({ ...good, cluster_name: ' c1 ' }).body.cluster_name, 'c1');
  });

  test('every bad field is reported under its own name', () => {
    const result = validateProvisionForm({
      cluster_name: '-bad',
      resource_group: 'rg.',
      region: 'mars',
      node_vm_size: 'Huge',
      node_count: '0',
      kubernetes_version: 'x',
    });
    assert.equal(result.ok, false);
    assert.deepEqual(Object.keys(result.errors).sort(), [
      'cluster_name',
      'kubernetes_version',
      'node_count',
      'node_vm_size',
      'region',
      'resource_group',
    ]);
    assert.equal(result.body, null);
  });
});

describe('workload pool', () => {
  const withPool = { ...good, workload_pool: true, user_vm_size: 'Standard_D4s_v5', user_node_count: '2' };

  test('an enabled pool is sent as user_pool', () => {
    assert.deepEqual(validateProvisionForm(withPool).body.user_pool, {
      node_vm_size: 'Standard_D4s_v5',
      node_count: 2,
    });
  });

  test('a disabled pool is neither checked nor sent', () => {
    const result = validateProvisionForm({ ...withPool, workload_pool: false, user_node_count: '0' });
    assert.equal(result.ok, true);
    assert.equal('user_pool' in result.body, false);
  });

  test('its fields are checked under their own names and words', () => {
    const result = validateProvisionForm({ ...withPool, user_vm_size: 'Huge', user_node_count: '101' });
    assert.equal(result.ok, false);
    assert.equal(result.errors.user_vm_size, 'Choose a workload VM size from the list.');
    assert.equal(result.errors.user_node_count, 'Workload node count must be a whole number from 1 to 100.');
  });
});
