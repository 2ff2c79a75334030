import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { planCheckActions } from '../js/preflight-model.js';
import {
  optionsLoaded,
  optionsRequested,
  optionsUnavailable,
  preflightAnswered,
  preflightChecking,
  preflightReset,
  preflightUnavailable,
} from '../js/state/actions.js';
import { createDashboardStore } from '../js/state/dashboard-store.js';
import { chosenOptions } from '../js/state/options.js';
import { PREFLIGHT_NOTES, preflightView } from '../js/state/preflight.js';

const failing = {
  ok: false,
  checks: [{ id: 'quota', status: 'fail', message: 'Not enough', actions: [] }],
  cost: { per_hour: 1, per_month: 730, currency: 'USD' },
};
const passing = { ok: true, checks: [{ id: 'quota', status: 'pass', message: 'Fine', actions: [] }], cost: null };

describe('preflight state', () => {
  test('a completed failing check blocks Create with "Fix errors above"', () => {
    const store = createDashboardStore();
    store.dispatch(preflightAnswered(failing));
    const view = preflightView(store.getState().preflight);
    assert.deepEqual([view.blocked, view.submitLabel], [true, 'Fix errors above']);
    assert.equal(view.price, '≈ $1.00/hr · $730.00/month');
    assert.equal(view.note, PREFLIGHT_NOTES.failed);
  });

  test('a newer check on its way keeps the old lines but never blocks Create', () => {
    const store = createDashboardStore();
    store.dispatch(preflightAnswered(failing));
    store.dispatch(preflightChecking());
    const view = preflightView(store.getState().preflight);
    assert.deepEqual([view.blocked, view.submitLabel, view.busy], [false, 'Create', true]);
    assert.equal(view.checks.length, 1);
  });

  test('a failed preflight clears the lines and leaves Create allowed', () => {
    const store = createDashboardStore();
    store.dispatch(preflightAnswered(failing));
    store.dispatch(preflightUnavailable('HTTP 500'));
    const view = preflightView(store.getState().preflight);
    assert.deepEqual([view.blocked, view.checks.length, view.price], [false, 0, 'Price unavailable']);
    assert.equal(view.note, PREFLIGHT_NOTES.unavailable);
  });

  test('passing checks and a reset read Create', () => {
    const store = createDashboardStore();
    store.dispatch(preflightAnswered(passing));
    assert.equal(preflightView(store.getState().preflight).submitLabel, 'Create');
    store.dispatch(preflightReset());
    assert.deepEqual(preflightView(store.getState().preflight).note, PREFLIGHT_NOTES.idle);
  });

  test('repeating checking or reset changes nothing', () => {
    const store = createDashboardStore();
    const before = store.getState();
    store.dispatch(preflightReset());
    assert.equal(store.getState(), before);
    store.dispatch(preflightChecking());
    const checking = store.getState();
    store.dispatch(preflightChecking());
    assert.equal(store.getState(), checking);
  });
});

describe('options state', () => {
  test('the chosen region shows its own document, not a late one for another region', () => {
    const store = createDashboardStore();
    store.dispatch(optionsRequested('eastus'));
    store.dispatch(optionsRequested('westus3'));
    store.dispatch(optionsLoaded('eastus', { region: 'eastus' }));
    assert.equal(chosenOptions(store.getState().options), null);
    assert.equal(store.getState().options.loading, true);
    store.dispatch(optionsLoaded('westus3', { region: 'westus3' }));
    assert.deepEqual(chosenOptions(store.getState().options), { region: 'westus3' });
    assert.equal(store.getState().options.loading, false);
  });

  test('going back to a region shows its cached document at once', () => {
    const store = createDashboardStore();
    store.dispatch(optionsRequested('eastus'));
    store.dispatch(optionsLoaded('eastus', { region: 'eastus' }));
    store.dispatch(optionsRequested('westus3'));
    store.dispatch(optionsUnavailable('westus3'));
    store.dispatch(optionsRequested('eastus'));
    assert.deepEqual(chosenOptions(store.getState().options), { region: 'eastus' });
  });

  test('unavailable options for another region change nothing', () => {
    const store = createDashboardStore();
    store.dispatch(optionsRequested('eastus'));
    const before = store.getState();
    store.dispatch(optionsUnavailable('westus3'));
    assert.equal(store.getState(), before);
  });
});

describe('check actions', () => {
  const check = (actions, id = 'quota') => ({ id, status: 'fail', message: 'm', actions });

  test('links are kept only for https URLs', () => {
    assert.deepEqual(planCheckActions(check([
      { kind: 'link', label: 'Request quota increase', url: 'https://portal.azure.com/x', value: null },
      { kind: 'link', label: 'Bad', url: 'javascript:alert(1)', value: null },
    ])), [
      { kind: 'link', label: 'Request quota increase', url: 'https://portal.azure.com/x' },
      { kind: 'text', label: 'Bad' },
    ]);
  });

  test('a command shows its value and Apply N nodes carries N', () => {
    assert.deepEqual(planCheckActions(check([
      { kind: 'command', label: 'Grant', url: null, value: 'az role assignment create --x' },
      { kind: 'apply_nodes', label: 'Apply 11 nodes', url: null, value: 11 },
    ])), [
      { kind: 'command', label: 'Grant', value: 'az role assignment create --x' },
      { kind: 'apply_nodes', label: 'Apply 11 nodes', value: 11 },
    ]);
  });

  test('an edit points at the field its check is about', () => {
    assert.deepEqual(planCheckActions(check([{ kind: 'edit', label: 'Choose another VM size' }], 'vm_size')),
      [{ kind: 'edit', label: 'Choose another VM size', field: 'node_vm_size' }]);
  });

  test('unknown kinds, empty commands and zero nodes are left out', () => {
    assert.deepEqual(planCheckActions(check([
      { kind: 'teleport', label: 'x' },
      { kind: 'command', label: 'Run', value: '' },
      { kind: 'apply_nodes', label: 'Apply 0 nodes', value: 0 },
      null,
    ])), []);
    assert.deepEqual(planCheckActions(null), []);
  });
});
