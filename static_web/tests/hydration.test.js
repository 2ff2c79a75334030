import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { snapshotFromTask } from '../js/failure-snapshot.js';
import { CLEAR, decideHydration, KEEP, REPLACE } from '../js/hydration.js';
import { failedTask } from './fakes.js';

const local = snapshotFromTask(failedTask({ updated_at: '2024-05-01T10:00:05Z' }));
const row = (overrides) => failedTask(overrides);

describe('hydration', () => {
  test('a strictly newer server row replaces the local snapshot', () => {
    const server = row({ task_id: 'T-2', updated_at: '2024-05-01T11:00:00Z' });
    const decision = decideHydration(local, { jobs: [server], degraded: false });
    assert.equal(decision.action, REPLACE);
    assert.equal(decision.snapshot.task_id, 'T-2');
  });

  test('a server row with the same timestamp keeps the local snapshot', () => {
    const server = row({ task_id: 'T-2', updated_at: '2024-05-01T10:00:05Z' });
    const decision = decideHydration(local, { jobs: [server], degraded: false });
    assert.equal(decision.action, KEEP);
    assert.equal(decision.snapshot, local);
  });

  test('equal instants written differently still count as equal', () => {
    const server = row({ task_id: 'T-2', updated_at: '2024-05-01T10:00:05.000+00:00' });
    assert.equal(decideHydration(local, { jobs: [server], degraded: false }).action, KEEP);
  });

  test('an older server row keeps the local snapshot', () => {
    const server = row({ task_id: 'T-0', updated_at: '2024-05-01T09:00:00Z' });
    assert.equal(decideHydration(local, { jobs: [server], degraded: false }).action, KEEP);
  });

  test('a server row is shown when there is no local snapshot', () => {
    const decision = decideHydration(null, { jobs: [row()], degraded: false });
    assert.equal(decision.action, REPLACE);
    assert.equal(decision.snapshot.cluster_name, 'quota-one');
  });

  test('no row and not degraded clears a local snapshot the server has resolved', () => {
    const decision = decideHydration(local, { jobs: [], degraded: false });
    assert.equal(decision.action, CLEAR);
    assert.equal(decision.snapshot, null);
  });

  test('no row and no local snapshot changes nothing', () => {
    assert.equal(decideHydration(null, { jobs: [], degraded: false }).action, KEEP);
  });

  test('a degraded answer keeps the local snapshot', () => {
    const decision = decideHydration(local, { jobs: [], degraded: true });
    assert.equal(decision.action, KEEP);
    assert.equal(decision.snapshot, local);
  });

  test('a failed fetch keeps the local snapshot', () => {
    assert.equal(decideHydration(local, { failed: true }).action, KEEP);
    assert.equal(decideHydration(local, null).action, KEEP);
  });

  test('a malformed answer keeps the local snapshot', () => {
    assert.equal(decideHydration(local, { degraded: false }).action, KEEP);
    assert.equal(decideHydration(local, { jobs: [{ nope: 1 }], degraded: false }).action, KEEP);
  });

  test('a cancelled row that left a cluster behind is shown', () => {
    const cancelled = row({
      status: 'cancelled',
      error: null,
      progress: { cluster_seen: true, portal_url: 'https://portal.azure.com/#x' },
    });
    const decision = decideHydration(null, { jobs: [cancelled], degraded: false });
    assert.equal(decision.action, REPLACE);
    assert.equal(decision.snapshot.error.category, 'cancelled');
    assert.equal(decision.snapshot.progress.cluster_seen, true);
  });

  test('the server row time falls back to created_at', () => {
    const server = row({ task_id: 'T-3', updated_at: null, created_at: '2024-05-02T00:00:00Z' });
    assert.equal(decideHydration(local, { jobs: [server], degraded: false }).action, REPLACE);
  });
});
