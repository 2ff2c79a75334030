import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { computed, signal } from '@preact/signals-core';

import { createCreateForm, openingValues, PREFLIGHT_NOTES, preflightView } from '../js/create-form.js';
import { snapshotFromTask } from '../js/failure-snapshot.js';
import { failedTask, settle } from './fakes.js';

const LIMITS = {
  cluster_name: { pattern: '^(?:[a-zA-Z0-9]|[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])$', max_length: 63 },
  resource_group: { pattern: '^(?:[-_().a-zA-Z0-9]{0,89}[-_()a-zA-Z0-9])$', max_length: 90 },
  node_count: { min: 1, max: 100 },
};
const failing = { ok: false, checks: [{ id: 'quota', status: 'fail', message: 'Not enough', actions: [] }], cost: { per_hour: 1, per_month: 730 } };
const passing = { ok: true, checks: [{ id: 'quota', status: 'pass', message: 'Fine', actions: [] }], cost: null };

/** The form over a fake API, hand-fired debounce timers and a dashboard holding options. */
function setup({ preflight = passing, provision = { task_id: 'NEW', status: 'queued' } } = {}) {
  const options = signal({ region: 'eastus', loading: false, byRegion: { eastus: { region: 'eastus', limits: LIMITS } } });
  const sent = { preflight: [], provision: [], regions: [] };
  const dashboard = {
    state: { options },
    limits: computed(() => options.value.byRegion.eastus?.limits ?? null),
    loadOptions: (region) => sent.regions.push(region),
  };
  const api = {
    preflight: async (body) => {
      sent.preflight.push(body);
      return preflight;
    },
    provision: async (body, { idempotencyKey }) => {
      sent.provision.push({ body, idempotencyKey });
      if (provision instanceof Error) throw provision;
      return provision;
    },
  };
  const pending = [];
  const form = createCreateForm({
    api, dashboard, makeKey: () => `key-${sent.provision.length}`,
    setTimer: (fn) => pending.push(fn), clearTimer: () => pending.splice(0),
  });
  const fire = async () => {
    pending.splice(0).forEach((fn) => fn());
    await settle();
  };
  return { form, sent, fire };
}

const fill = (form) => {
  form.edit('cluster_name', 'web-1');
  form.edit('resource_group', 'rg-1');
};

describe('create form', () => {
  test('opening asks for the region options and checks nothing until the fields are valid', async () => {
    const { form, sent, fire } = setup();
    form.open();
    await fire();
    assert.deepEqual(sent.regions, ['eastus']);
    assert.deepEqual(sent.preflight, []);
    assert.equal(form.view.value.note, PREFLIGHT_NOTES.idle);
  });

  test('valid values are checked once, about 300 ms after the last edit', async () => {
    const { form, sent, fire } = setup();
    form.open();
    fill(form);
    assert.equal(form.view.value.note, PREFLIGHT_NOTES.checking);
    await fire();
    assert.equal(sent.preflight.length, 1);
    assert.equal(form.view.value.submitLabel, 'Create');
  });

  test("a value the server's limits refuse is not sent to preflight", async () => {
    const { form, sent, fire } = setup();
    form.open();
    fill(form);
    form.edit('cluster_name', '-bad');
    await fire();
    assert.deepEqual(sent.preflight, []);
  });

  test('a failing check blocks Create as "Fix errors above"', async () => {
    const { form, fire } = setup({ preflight: failing });
    form.open();
    fill(form);
    await fire();
    assert.deepEqual([form.view.value.blocked, form.view.value.submitLabel], [true, 'Fix errors above']);
    assert.equal(form.view.value.price, '≈ $1.00/hr · $730.00/month');
    assert.deepEqual(await form.submit(), { field: null });
  });

  test('Apply N nodes sets the node count and checks again', async () => {
    const { form, sent, fire } = setup();
    form.open();
    fill(form);
    await fire();
    form.applyNodes(7);
    await fire();
    assert.equal(form.values.value.node_count, '7');
    assert.equal(sent.preflight.at(-1).node_count, 7);
  });

  test("a preset fills sizes and counts but keeps a field the user edited", () => {
    const { form } = setup();
    form.open();
    form.edit('node_count', '5');
    form.edit('preset', 'Production');
    assert.equal(form.values.value.node_count, '5');
    assert.equal(form.values.value.node_vm_size, 'Standard_D4s_v5');
    assert.equal(form.values.value.workload_pool, true);
  });

  test('submitting invalid values names the first field to fix, in form order', async () => {
    const { form } = setup();
    form.open();
    form.edit('resource_group', 'rg.');
    const outcome = await form.submit();
    assert.deepEqual(outcome, { field: 'cluster_name' });
    assert.deepEqual(Object.keys(form.errors.value).sort(), ['cluster_name', 'resource_group']);
  });

  test('Edit & retry opens with the failed values and sends retry_of', async () => {
    const failure = snapshotFromTask(failedTask());
    const { form, sent } = setup();
    form.open({ failure });
    assert.equal(form.values.value.cluster_name, 'quota-one');
    const outcome = await form.submit();
    assert.equal(outcome.started.task_id, 'NEW');
    assert.equal(sent.provision[0].body.retry_of, 'T-1');
  });

  test("the server's 400 shows next to the field it names", async () => {
    const refusal = Object.assign(new Error('resource_group does not exist'), { status: 400, field: 'resource_group' });
    const { form } = setup({ provision: refusal });
    form.open();
    fill(form);
    assert.deepEqual(await form.submit(), { field: 'resource_group' });
    assert.equal(form.errors.value.resource_group, 'resource_group does not exist');
  });

  test('any other refusal shows above the form', async () => {
    const { form } = setup({ provision: Object.assign(new Error('Conflict'), { status: 409, field: null }) });
    form.open();
    fill(form);
    assert.deepEqual(await form.submit(), { field: null });
    assert.equal(form.formError.value, 'Conflict');
  });

  test('opening values keep the defaults for anything the prefill leaves empty', () => {
    assert.equal(openingValues({ cluster_name: 'c', node_count: null }).node_count, '1');
    assert.equal(openingValues({ node_count: 3 }).node_count, '3');
  });

  test('the preflight view never blocks while checking or when unavailable', () => {
    assert.equal(preflightView({ status: 'checking', result: failing }).blocked, false);
    assert.equal(preflightView({ status: 'unavailable', result: null }).note, PREFLIGHT_NOTES.unavailable);
  });
});
