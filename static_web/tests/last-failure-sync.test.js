import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { snapshotFromTask } from '../js/failure-snapshot.js';
import { createLastFailedStore, STORAGE_KEY } from '../js/last-failed-store.js';
import { createLastFailureSync } from '../js/last-failure-sync.js';
import { createDashboardStore } from '../js/state/dashboard-store.js';
import { failedTask, FakeEventTarget, MemoryStorage } from './fakes.js';

function setup({ saved = null, recent = { jobs: [], degraded: false } } = {}) {
  const storage = new MemoryStorage(saved ? { [STORAGE_KEY]: JSON.stringify(saved) } : {});
  const eventTarget = new FakeEventTarget();
  const lastFailed = createLastFailedStore({ storage, eventTarget });
  const store = createDashboardStore();
  const dismissed = [];
  const api = {
    recentFailedProvisions: async () => {
      if (recent instanceof Error) throw recent;
      return recent;
    },
    dismiss: async (taskId) => dismissed.push(taskId),
  };
  const sync = createLastFailureSync({ lastFailed, store, api });
  return { storage, eventTarget, lastFailed, store, sync, dismissed };
}

const local = snapshotFromTask(failedTask());

describe('last failure sync', () => {
  test('the saved snapshot shows at once', () => {
    const { store, sync } = setup({ saved: local });
    sync.showSaved();
    assert.equal(store.getState().failure.task_id, 'T-1');
  });

  test('a failed attempt is saved and shown', () => {
    const { store, lastFailed, sync } = setup();
    sync.attemptFailed(failedTask({ task_id: 'T-7' }));
    assert.equal(store.getState().failure.task_id, 'T-7');
    assert.equal(lastFailed.load().task_id, 'T-7');
  });

  test('a success for the same cluster clears the banner and the snapshot', () => {
    const { store, lastFailed, sync } = setup({ saved: local });
    sync.showSaved();
    sync.attemptSucceeded(failedTask({ status: 'succeeded', request: { resource_group: 'RG1', cluster_name: 'Quota-One' } }));
    assert.equal(store.getState().failure, null);
    assert.equal(lastFailed.load(), null);
  });

  test('a success for another cluster keeps the banner', () => {
    const { store, sync } = setup({ saved: local });
    sync.showSaved();
    sync.attemptSucceeded(failedTask({ status: 'succeeded', request: { resource_group: 'rg1', cluster_name: 'other' } }));
    assert.equal(store.getState().failure.task_id, 'T-1');
  });

  test('Dismiss clears everywhere and tells the server', async () => {
    const { store, lastFailed, sync, dismissed } = setup({ saved: local });
    sync.showSaved();
    sync.dismiss(store.getState().failure);
    assert.equal(store.getState().failure, null);
    assert.equal(lastFailed.load(), null);
    await Promise.resolve();
    assert.deepEqual(dismissed, ['T-1']);
  });

  test('deleting the shown failure\'s partial cluster hides it; another failure stays', () => {
    const { store, sync } = setup({ saved: local });
    sync.showSaved();
    sync.partialClusterDeleted({ task_id: 'T-other' });
    assert.equal(store.getState().failure.task_id, 'T-1');
    sync.partialClusterDeleted({ task_id: 'T-1' });
    assert.equal(store.getState().failure, null);
  });

  test('another tab\'s save shows here without writing back', () => {
    const { storage, eventTarget, store, sync } = setup();
    sync.followOtherTabs();
    const raw = JSON.stringify(snapshotFromTask(failedTask({ task_id: 'T-9' })));
    eventTarget.dispatch('storage', { storageArea: storage, key: STORAGE_KEY, newValue: raw });
    assert.equal(store.getState().failure.task_id, 'T-9');
    assert.deepEqual(storage.writes, []);
  });

  test('hydration: a server answer with no row clears a resolved local snapshot', async () => {
    const { store, lastFailed, sync } = setup({ saved: local });
    sync.showSaved();
    await sync.hydrate();
    assert.equal(store.getState().failure, null);
    assert.equal(lastFailed.load(), null);
  });

  test('hydration: a newer server row replaces and saves the local snapshot', async () => {
    const newer = failedTask({ task_id: 'T-2', updated_at: '2024-05-02T00:00:00Z' });
    const { store, lastFailed, sync } = setup({ saved: local, recent: { jobs: [newer], degraded: false } });
    sync.showSaved();
    await sync.hydrate();
    assert.equal(store.getState().failure.task_id, 'T-2');
    assert.equal(lastFailed.load().task_id, 'T-2');
  });

  test('hydration: a failed fetch keeps the local banner', async () => {
    const { store, sync } = setup({ saved: local, recent: new Error('offline') });
    sync.showSaved();
    await sync.hydrate();
    assert.equal(store.getState().failure.task_id, 'T-1');
  });

  test('hydration: a change by another tab while waiting wins over the answer', async () => {
    const { storage, store, sync } = setup({ saved: local });
    sync.showSaved();
    const answered = sync.hydrate();
    storage.setItem(STORAGE_KEY, JSON.stringify(snapshotFromTask(failedTask({ task_id: 'T-3' }))));
    await answered;
    assert.equal(store.getState().failure.task_id, 'T-3');
  });
});
