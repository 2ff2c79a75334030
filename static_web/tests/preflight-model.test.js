import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  PRESETS,
  applyNodesAction,
  applyPreset,
  createPreflightRunner,
  priceLine,
  requestBody,
  sizeLabel,
  submitState,
} from '../js/preflight-model.js';

describe('size labels', () => {
  test('read like "Standard_D4s_v5 — 4 vCPU, 16 GiB"', () => {
    const size = { name: 'Standard_D4s_v5', vcpus: 4, memory_gib: 16, available: true };
    assert.equal(sizeLabel(size, 'eastus'), 'Standard_D4s_v5 — 4 vCPU, 16 GiB');
  });
  test('an unavailable size says where', () => {
    const size = { name: 'Standard_D8s_v5', vcpus: 8, memory_gib: 32, available: false };
    assert.equal(
      sizeLabel(size, 'westus3'),
      'Standard_D8s_v5 — 8 vCPU, 32 GiB — not available in westus3',
    );
  });
});

describe('presets', () => {
  test('offer Dev/Test and Production', () => {
    assert.deepEqual(PRESETS.map((p) => p.name).slice(0, 2), ['Dev/Test', 'Production']);
  });
  test('fill sizes and counts but never a field the user edited', () => {
    const values = { node_vm_size: 'Standard_E4s_v5', node_count: '7', workload_pool: false };
    const next = applyPreset(values, 'Production', new Set(['node_count']));
    assert.equal(next.node_vm_size, 'Standard_D4s_v5');
    assert.equal(next.node_count, '7');
    assert.equal(next.workload_pool, true);
    assert.equal(next.user_node_count, '3');
  });
  test('an unknown preset changes nothing', () => {
    assert.deepEqual(applyPreset({ a: 1 }, 'nope', new Set()), { a: 1 });
  });
});

describe('price line', () => {
  test('formats hour and month', () => {
    assert.equal(priceLine({ per_hour: 0.384, per_month: 280.32, currency: 'USD' }),
      '≈ $0.38/hr · $280.32/month');
  });
  test('says so when there is no price', () => {
    assert.equal(priceLine(null), 'Price unavailable');
  });
});

describe('submit state and actions', () => {
  const failing = { checks: [{ id: 'quota', status: 'fail', actions: [
    { kind: 'apply_nodes', label: 'Apply 6 nodes', url: null, value: 6 },
    { kind: 'link', label: 'Request quota increase', url: 'https://aka.ms/x', value: null },
  ] }] };
  test('a failing check blocks Create with "Fix errors above"', () => {
    assert.deepEqual(submitState(failing), { blocked: true, label: 'Fix errors above' });
    assert.deepEqual(submitState({ checks: [{ status: 'warn' }] }), { blocked: false, label: 'Create' });
    assert.deepEqual(submitState(null), { blocked: false, label: 'Create' });
  });
  test('a quota failure offers Apply N nodes', () => {
    assert.deepEqual(applyNodesAction(failing), { label: 'Apply 6 nodes', value: 6 });
    assert.equal(applyNodesAction({ checks: [] }), null);
  });
});

describe('request body', () => {
  test('adds the workload pool only when enabled', () => {
    const values = { cluster_name: ' c1 ', resource_group: 'rg', region: 'eastus',
      node_vm_size: 'Standard_D2s_v5', node_count: '2', kubernetes_version: '',
      workload_pool: true, user_vm_size: 'Standard_D4s_v5', user_node_count: '3' };
    assert.deepEqual(requestBody(values), { cluster_name: 'c1', resource_group: 'rg',
      region: 'eastus', node_vm_size: 'Standard_D2s_v5', node_count: 2,
      user_pool: { node_vm_size: 'Standard_D4s_v5', node_count: 3 } });
    assert.equal('user_pool' in requestBody({ ...values, workload_pool: false }), false);
  });
});

describe('preflight runner', () => {
  function fakeTimers() {
    const pending = new Map();
    let next = 1;
    return {
      setTimer: (fn, ms) => { const id = next++; pending.set(id, { fn, ms }); return id; },
      clearTimer: (id) => pending.delete(id),
      fire() { const all = [...pending.values()]; pending.clear(); all.forEach((t) => t.fn()); },
      pending,
    };
  }

  test('runs once, about 300 ms after the last edit', async () => {
    const timers = fakeTimers();
    const calls = [];
    const results = [];
    const runner = createPreflightRunner({
      fetchPreflight: async (body) => { calls.push(body); return { ok: true, checks: [] }; },
      onResult: (r) => results.push(r), setTimer: timers.setTimer, clearTimer: timers.clearTimer,
    });
    runner.schedule({ n: 1 });
    runner.schedule({ n: 2 });
    assert.equal(timers.pending.size, 1);
    assert.equal([...timers.pending.values()][0].ms, 300);
    timers.fire();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, [{ n: 2 }]);
    assert.equal(results.length, 1);
  });

  test('an answer that arrives after a newer request is ignored', async () => {
    const timers = fakeTimers();
    const resolvers = [];
    const results = [];
    const runner = createPreflightRunner({
      fetchPreflight: (body) => new Promise((resolve) => resolvers.push(() => resolve(body))),
      onResult: (r) => results.push(r.result), setTimer: timers.setTimer,
      clearTimer: timers.clearTimer,
    });
    runner.schedule({ answer: 'old' });
    timers.fire();
    runner.schedule({ answer: 'new' });
    timers.fire();
    resolvers[1]();
    await new Promise((r) => setImmediate(r));
    resolvers[0]();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(results, [{ answer: 'new' }]);
  });

  test('a failed preflight is delivered as an error, never thrown', async () => {
    const timers = fakeTimers();
    const results = [];
    const runner = createPreflightRunner({
      fetchPreflight: async () => { throw new Error('offline'); },
      onResult: (r) => results.push(r), setTimer: timers.setTimer, clearTimer: timers.clearTimer,
    });
    runner.schedule({});
    timers.fire();
    await new Promise((r) => setImmediate(r));
    assert.equal(results[0].error.message, 'offline');
  });
});
