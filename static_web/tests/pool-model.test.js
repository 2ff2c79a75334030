import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  addPoolRequest,
  autoscaleRequest,
  deletePoolRequest,
  poolButtons,
  poolFacts,
  poolFormField,
  poolsGate,
  poolSizeText,
  poolStateText,
  scalePoolRequest,
} from '../js/pool-model.js';

const limits = { pool_name: { pattern: '^(?:[a-z][a-z0-9]{0,11})$', max_length: 12 }, node_count: { min: 1, max: 100 } };
const system = { name: 'system', mode: 'System', vm_size: 'Standard_D2s_v5', count: 1, provisioning_state: 'Succeeded', power_state: 'Running', autoscale: null };
const user = { ...system, name: 'user1', mode: 'User', count: 2, autoscale: { min: 1, max: 5 } };
const cluster = (actions) => ({ name: 'web-1', resource_group: 'rg', node_pools: [system, user], operation: null, actions });
const open = { enabled: true, reason: null };

describe('how a pool reads', () => {
  test('its size is its count, or the autoscaler range', () => {
    assert.equal(poolSizeText(system), '1 node');
    assert.equal(poolSizeText(user), 'autoscale 1–5');
  });
  test('its facts are mode, VM size, size and state; a change in progress shows as its state', () => {
    assert.deepEqual(poolFacts(system), ['System', 'Standard_D2s_v5', '1 node', 'Running']);
    assert.equal(poolStateText({ ...system, provisioning_state: 'Scaling' }), 'Scaling');
    assert.equal(poolStateText({ name: 'x' }), '');
  });
});

describe('pool buttons', () => {
  test("pools may change exactly when the server's node_pools action is enabled, its reason otherwise", () => {
    assert.deepEqual(poolsGate(cluster([{ kind: 'node_pools', enabled: true, reason: null }]), null), open);
    assert.deepEqual(poolsGate(cluster([{ kind: 'node_pools', enabled: false, reason: 'A stopped cluster cannot change its node pools' }]), null), {
      enabled: false,
      reason: 'A stopped cluster cannot change its node pools',
    });
    assert.equal(poolsGate(cluster([{ kind: 'stop', enabled: true, reason: null }]), null), null);
  });
  test('an operation this tab just started disables them until the list catches up', () => {
    const followed = { taskId: 'T', type: 'aks_pool_add', status: 'queued', step: null };
    const gate = poolsGate(cluster([{ kind: 'node_pools', enabled: true, reason: null }]), followed);
    assert.equal(gate?.enabled, false);
    assert.match(gate?.reason ?? '', /just started/);
  });
  test('a fixed pool offers Scale, Autoscale and Delete pool, each named after pool and cluster', () => {
    assert.deepEqual(
      poolButtons(system, cluster([]), open).map((b) => [b.label, b.name]),
      [
        ['Scale', 'Scale pool system of web-1'],
        ['Autoscale', 'Autoscale pool system of web-1'],
        ['Delete pool', 'Delete pool system of web-1'],
      ],
    );
  });
  test('an autoscaled pool offers Autoscale instead of Scale (the server refuses to scale it)', () => {
    assert.deepEqual(poolButtons(user, cluster([]), open).map((b) => b.kind), ['autoscale', 'delete']);
  });
  test('disabled buttons carry the reason', () => {
    const buttons = poolButtons(system, cluster([]), { enabled: false, reason: 'Another operation is running: Scaling' });
    assert.ok(buttons.every((b) => !b.enabled && b.reason === 'Another operation is running: Scaling'));
  });
});

describe('pool request bodies', () => {
  const values = { name: 'gpu1', vm_size: 'Standard_D4s_v5', node_count: '2', autoscale: false, min: '1', max: '3' };
  const sizes = ['Standard_D2s_v5', 'Standard_D4s_v5'];
  test('add sends a name, a size and a node count, or the autoscaler range instead', () => {
    assert.deepEqual(addPoolRequest(values, limits, sizes), {
      ok: true, body: { name: 'gpu1', vm_size: 'Standard_D4s_v5', node_count: 2 },
    });
    assert.deepEqual(addPoolRequest({ ...values, autoscale: true, min: '0', max: '4' }, limits, sizes), {
      ok: true, body: { name: 'gpu1', vm_size: 'Standard_D4s_v5', autoscale: { min: 0, max: 4 } },
    });
  });
  test("add checks the name with the server's pool_name rule and the size against the region's", () => {
    const checked = addPoolRequest({ ...values, name: 'GPU-1', vm_size: 'Standard_X' }, limits, sizes);
    assert.equal(checked.ok, false);
    assert.deepEqual(Object.keys(checked.ok ? {} : checked.errors).sort(), ['name', 'vm_size']);
    assert.equal(addPoolRequest({ ...values, name: 'averyveryverylongname' }, limits, sizes).ok, false);
  });
  test('without limits or sizes only emptiness and whole numbers are checked (the server judges the rest)', () => {
    assert.equal(addPoolRequest({ ...values, name: 'ANY_Name', vm_size: 'Whatever' }, null, []).ok, true);
    const empty = addPoolRequest({ ...values, name: ' ', node_count: 'two' }, null, []);
    assert.deepEqual(empty.ok ? {} : empty.errors, { name: 'Enter a pool name.', node_count: 'Node count must be a whole number.' });
  });
  test("counts use the server's upper bound only: a User pool may have zero nodes", () => {
    assert.equal(addPoolRequest({ ...values, node_count: '0' }, limits, sizes).ok, true);
    const high = addPoolRequest({ ...values, node_count: '101' }, limits, sizes);
    assert.deepEqual(high.ok ? {} : high.errors, { node_count: 'Node count must be at most 100.' });
  });
  test('autoscale turns the autoscaler on with a range, or off at a fixed count', () => {
    assert.deepEqual(autoscaleRequest({ enabled: true, min: '1', max: '5', node_count: '' }, limits), { ok: true, body: { min: 1, max: 5 } });
    assert.deepEqual(autoscaleRequest({ enabled: false, min: '', max: '', node_count: '3' }, limits), {
      ok: true, body: { enabled: false, node_count: 3 },
    });
    const missing = autoscaleRequest({ enabled: true, min: '1', max: '', node_count: '' }, limits);
    assert.deepEqual(missing.ok ? {} : missing.errors, { max: 'Enter a maximum nodes.' });
  });
  test("scale names the pool; delete wants the pool's exact name", () => {
    assert.deepEqual(scalePoolRequest(system, { node_count: '3' }, limits), { ok: true, body: { node_pool: 'system', node_count: 3 } });
    assert.equal(scalePoolRequest(system, { node_count: '-1' }, limits).ok, false);
    assert.deepEqual(deletePoolRequest(user, { confirm: 'user1' }), { ok: true, body: { confirm: 'user1' } });
    assert.equal(deletePoolRequest(user, { confirm: 'USER1' }).ok, false);
  });
  test("a server 400 lands on the field it names, autoscale.* on the range's fields", () => {
    const fields = ['name', 'vm_size', 'node_count', 'min', 'max'];
    assert.equal(poolFormField('autoscale.max', fields), 'max');
    assert.equal(poolFormField('autoscale', fields), 'min');
    assert.equal(poolFormField('vm_size', fields), 'vm_size');
    assert.equal(poolFormField('enabled', fields), null);
    assert.equal(poolFormField(null, fields), null);
  });
});
