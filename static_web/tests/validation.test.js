import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkChoice, checkCount, checkText, requestBody, validateProvisionForm, wholeValuePattern } from '../js/validation.js';

// The shape GET /api/aks/options sends in `limits` (patterns in the server's own syntax).
const LIMITS = {
  cluster_name: { pattern: '[a-zA-Z0-9]|[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]', max_length: 63 },
  resource_group: { pattern: '[-_().a-zA-Z0-9]{0,89}[-_()a-zA-Z0-9]', max_length: 90 },
  pool_name: { pattern: '[a-z][a-z0-9]{0,11}', max_length: 12 },
  node_count: { min: 1, max: 100 },
};
const CHOICES = { regions: ['eastus', 'westus3'], vmSizes: ['Standard_D2s_v5', 'Standard_D4s_v5'], limits: LIMITS };
const good = {
  cluster_name: 'my-cluster_1', resource_group: 'rg-(test).1', region: 'eastus', node_vm_size: 'Standard_D2s_v5',
  node_count: '3', kubernetes_version: '', workload_pool: false, user_vm_size: 'Standard_D2s_v5', user_node_count: '1',
};

describe('text checked with the server limits', () => {
  for (const name of ['a', 'A1', 'my-cluster', 'my_cluster', 'x'.repeat(63)]) {
    test(`the server's cluster name pattern accepts ${name.slice(0, 12)} (${name.length} chars)`, () => {
      assert.equal(checkText(name, LIMITS.cluster_name, 'Cluster name'), null);
    });
  }
  for (const name of ['-start', 'end-', '_x', 'x_', 'has space', 'dot.name', 'ünï', 'a-']) {
    test(`the server's cluster name pattern rejects "${name}" as a whole value`, () => {
      assert.match(checkText(name, LIMITS.cluster_name, 'Cluster name'), /^Cluster name must match the pattern /);
    });
  }
  test('too long is reported with the server maximum', () => {
    assert.equal(checkText('x'.repeat(64), LIMITS.cluster_name, 'Cluster name'), 'Cluster name must be at most 63 characters.');
    assert.equal(checkText('r'.repeat(91), LIMITS.resource_group, 'Resource group'), 'Resource group must be at most 90 characters.');
  });
  test('a resource group may not end with a period, because the server pattern says so', () => {
    assert.notEqual(checkText('rg.', LIMITS.resource_group, 'Resource group'), null);
    assert.equal(checkText('rg.(1)', LIMITS.resource_group, 'Resource group'), null);
  });
  test('empty is always asked for', () => {
    assert.equal(checkText('  ', LIMITS.cluster_name, 'Cluster name'), 'Enter a cluster name.');
    assert.equal(checkText('', undefined, 'Resource group'), 'Enter a resource group.');
  });
  test('without limits only emptiness is checked: the server answers the rest', () => {
    assert.equal(checkText('-anything goes.', undefined, 'Cluster name'), null);
  });
  test('a pattern JavaScript cannot read is skipped, not applied wrongly', () => {
    assert.equal(wholeValuePattern('(?P<name>x)'), null);
    assert.equal(checkText('whatever', { pattern: '(?P<name>x)', max_length: 20 }, 'Cluster name'), null);
  });
});

describe('counts', () => {
  for (const value of ['1', '3', '100', ' 42 ']) {
    test(`accepts ${value.trim()} within the server range`, () => assert.equal(checkCount(value, LIMITS.node_count, 'Node count'), null));
  }
  test('outside the server range says the range', () => {
    assert.equal(checkCount('0', LIMITS.node_count, 'Node count'), 'Node count must be from 1 to 100.');
    assert.equal(checkCount('101', LIMITS.node_count, 'Node count'), 'Node count must be from 1 to 100.');
    assert.equal(checkCount('7', { max: 5 }, 'Node count'), 'Node count must be at most 5.');
  });
  test('not a whole number is refused with or without limits', () => {
    for (const value of ['1.5', '-1', 'abc', '1e2']) assert.equal(checkCount(value, undefined, 'Node count'), 'Node count must be a whole number.');
  });
  test('without limits any whole number passes', () => {
    assert.equal(checkCount('500', undefined, 'Node count'), null);
  });
});

describe('choices', () => {
  test('a value must be one of the choices shown', () => {
    assert.equal(checkChoice('eastus', CHOICES.regions, 'Region'), null);
    assert.equal(checkChoice('mars', CHOICES.regions, 'Region'), 'Choose a region from the list.');
    assert.equal(checkChoice('', CHOICES.regions, 'Region'), 'Choose a region.');
  });
});

describe('provision form', () => {
  test('valid values produce the request body with a numeric node count', () => {
    assert.deepEqual(validateProvisionForm(good, CHOICES), {
      ok: true,
      errors: {},
      body: { cluster_name: 'my-cluster_1', resource_group: 'rg-(test).1', region: 'eastus', node_vm_size: 'Standard_D2s_v5', node_count: 3 },
    });
  });
  test('a Kubernetes version is sent when chosen, left out when empty', () => {
    assert.equal(requestBody({ ...good, kubernetes_version: '1.30.4' }).kubernetes_version, '1.30.4');
    assert.equal('kubernetes_version' in requestBody(good), false);
  });
  test('surrounding spaces are trimmed', () => {
    assert.equal(requestBody({ ...good, cluster_name: '  c1 ' }).cluster_name, 'c1');
  });
  test('every bad field is reported under its own name', () => {
    const bad = { ...good, cluster_name: '-x', resource_group: '', region: 'mars', node_vm_size: 'Standard_Z9', node_count: '0' };
    const result = validateProvisionForm(bad, CHOICES);
    assert.equal(result.ok, false);
    assert.deepEqual(Object.keys(result.errors).sort(), ['cluster_name', 'node_count', 'node_vm_size', 'region', 'resource_group']);
  });
  test('an enabled workload pool is checked and sent as user_pool', () => {
    const values = { ...good, workload_pool: true, user_vm_size: 'Standard_D4s_v5', user_node_count: '2' };
    assert.deepEqual(validateProvisionForm(values, CHOICES).body?.user_pool, { node_vm_size: 'Standard_D4s_v5', node_count: 2 });
    const bad = validateProvisionForm({ ...values, user_node_count: '0' }, CHOICES);
    assert.deepEqual(Object.keys(bad.errors), ['user_node_count']);
  });
  test('a disabled workload pool is neither checked nor sent', () => {
    const result = validateProvisionForm({ ...good, user_node_count: 'junk' }, CHOICES);
    assert.equal(result.ok, true);
    assert.equal('user_pool' in result.body, false);
  });
  test('without limits the form still sends what the server will judge', () => {
    const result = validateProvisionForm({ ...good, cluster_name: '-x', node_count: '500' }, { ...CHOICES, limits: null });
    assert.equal(result.ok, true);
  });
});
