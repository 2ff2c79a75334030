import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  actionsFor,
  badgeFor,
  confirmMatches,
  isChanging,
  nextRefreshMs,
} from '../js/clusters-model.js';

const running = { name: 'c1', provisioning_state: 'Succeeded', power_state: 'Running',
  upgrades: ['1.33.2'], operation: null };

describe('state badge', () => {
  test('settled clusters read Running or Stopped', () => {
    assert.equal(badgeFor(running), 'Running');
    assert.equal(badgeFor({ ...running, power_state: 'Stopped' }), 'Stopped');
    assert.equal(badgeFor({ ...running, provisioning_state: 'Failed' }), 'Failed');
  });
  test('an operation of the product names what is happening', () => {
    const scaling = { ...running, operation: { task_id: 't', type: 'aks_scale', status: 'running', step: 'Scaling' } };
    assert.equal(badgeFor(scaling), 'Scaling');
    const finished = { ...running, operation: { task_id: 't', type: 'aks_scale', status: 'succeeded' } };
    assert.equal(badgeFor(finished), 'Running');
  });
  test("ARM's own transitional states show as they are", () => {
    for (const state of ['Creating', 'Updating', 'Upgrading', 'Stopping', 'Starting', 'Deleting']) {
      assert.equal(badgeFor({ ...running, provisioning_state: state }), state);
    }
    assert.equal(badgeFor({ ...running, provisioning_state: 'Migrating' }), 'Updating');
  });
});

describe('row actions', () => {
  test('Stop or Start, whichever applies; Upgrade only when one exists', () => {
    assert.deepEqual(actionsFor(running).map((a) => a.name), ['Stop', 'Scale', 'Upgrade', 'Delete']);
    assert.deepEqual(actionsFor({ ...running, power_state: 'Stopped', upgrades: [] }).map((a) => a.name),
      ['Start', 'Scale', 'Delete']);
  });
  test('every action is disabled while an operation runs', () => {
    const busy = { ...running, operation: { type: 'aks_stop', status: 'running' } };
    assert.deepEqual(actionsFor(busy).map((a) => a.enabled), [false, false, false, false]);
  });
});

describe('type-to-confirm', () => {
  test('only the exact name enables Delete', () => {
    assert.equal(confirmMatches('c1', 'c1'), true);
    assert.equal(confirmMatches('C1', 'c1'), false);
    assert.equal(confirmMatches('c1 ', 'c1'), false);
    assert.equal(confirmMatches('', ''), false);
  });
});

describe('refresh', () => {
  test('every 10 s while something changes, never while nothing does', () => {
    assert.equal(nextRefreshMs([running]), null);
    assert.equal(nextRefreshMs([running, { ...running, provisioning_state: 'Updating' }]), 10000);
    assert.equal(isChanging({ ...running, operation: { status: 'queued' } }), true);
    assert.equal(nextRefreshMs([]), null);
  });
});
