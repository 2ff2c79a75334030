import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createDialogLiveness } from '../js/components/create-dialog-live.js';
import { createDashboardStore } from '../js/state/dashboard-store.js';
import { chosenOptions } from '../js/state/options.js';
import { validateProvisionForm } from '../js/validation.js';

const VALID = {
  cluster_name: 'c1', resource_group: 'rg', region: 'eastus', node_vm_size: 'Standard_D2s_v5',
  node_count: '1', kubernetes_version: '', workload_pool: false, user_vm_size: 'Standard_D2s_v5',
  user_node_count: '1',
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The dialog's live parts over a plain values object, a fake API and hand-fired timers. */
function liveDialog(values = { ...VALID }) {
  const form = {
    current: values,
    values: () => ({ ...form.current }),
    check: (formValues) => validateProvisionForm(formValues),
    write: (next) => { form.current = next; },
  };
  const calls = { options: [], preflight: [] };
  const api = {
    options: async (region) => { calls.options.push(region); return { region, vm_sizes: [] }; },
    preflight: async (body) => { calls.preflight.push(body); return { ok: true, checks: [], cost: null }; },
  };
  const pending = [];
  const timers = { setTimer: (fn) => pending.push(fn), clearTimer: () => pending.splice(0) };
  const fire = () => pending.splice(0).forEach((fn) => fn());
  const store = createDashboardStore();
  return { live: createDialogLiveness({ api, store, form, timers }), form, calls, fire, store };
}

describe('create dialog live parts', () => {
  test('opening loads the region options and checks valid values once the debounce ends', async () => {
    const { live, calls, fire, store } = liveDialog();
    live.start([]);
    await settle();
    assert.deepEqual(calls.options, ['eastus']);
    assert.equal(chosenOptions(store.getState().options).region, 'eastus');
    assert.equal(store.getState().preflight.status, 'checking');
    fire();
    await settle();
    assert.equal(calls.preflight.length, 1);
    assert.equal(store.getState().preflight.status, 'done');
  });

  test('values that fail the form rules are not sent to preflight', async () => {
    const { live, form, calls, fire, store } = liveDialog();
    form.current = { ...VALID, cluster_name: '-bad' };
    live.edit('cluster_name');
    fire();
    await settle();
    assert.deepEqual(calls.preflight, []);
    assert.equal(store.getState().preflight.status, 'idle');
  });

  test('changing the region fetches that region', async () => {
    const { live, form, calls } = liveDialog();
    form.current = { ...VALID, region: 'westus3' };
    live.edit('region');
    await settle();
    assert.deepEqual(calls.options, ['westus3']);
  });

  test('a preset keeps the node count the user edited', () => {
    const { live, form } = liveDialog();
    form.current = { ...VALID, node_count: '7' };
    live.edit('node_count');
    live.choosePreset('Production');
    assert.equal(form.current.node_count, '7');
    assert.equal(form.current.node_vm_size, 'Standard_D4s_v5');
    assert.equal(form.current.workload_pool, true);
  });

  test('a prefilled size (Edit & retry) counts as the user\'s own', () => {
    const { live, form } = liveDialog({ ...VALID, node_vm_size: 'Standard_E4s_v5' });
    live.start(['node_vm_size']);
    live.choosePreset('Production');
    assert.equal(form.current.node_vm_size, 'Standard_E4s_v5');
    assert.equal(form.current.node_count, '3');
  });

  test('closing drops a pending check', async () => {
    const { live, calls, fire, store } = liveDialog();
    live.start([]);
    live.stop();
    fire();
    await settle();
    assert.deepEqual(calls.preflight, []);
    assert.equal(store.getState().preflight.status, 'idle');
  });
});
