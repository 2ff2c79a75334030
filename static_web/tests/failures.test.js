import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { signal } from '@preact/signals-core';

import { snapshotFromTask } from '../js/failure-snapshot.js';
import { createFailures } from '../js/failures.js';
import { createLastFailedStore, STORAGE_KEY } from '../js/last-failed-store.js';
import { failedTask, FakeEventTarget, MemoryStorage } from './fakes.js';

function setup({ saved = null, recent = { jobs: [], degraded: false } } = {}) {
  const storage = new MemoryStorage(saved ? { [STORAGE_KEY]: JSON.stringify(saved) } : {});
  const eventTarget = new FakeEventTarget();
  const lastFailed = createLastFailedStore({ storage, eventTarget });
  const shown = signal(null);
  const dismissed = [];
  const api = {
    recentFailedProvisions: async () => {
      if (recent instanceof Error) throw recent;
      return recent;
    },
    dismiss: async (taskId) => dismissed.push(taskId),
  };
  const failures = createFailures({ lastFailed, shown, api });
  return { storage, eventTarget, lastFailed, shown, failures, dismissed };
}

const local = snapshotFromTask(failedTask());
const succeeded = (request) => failedTask({ task_id: 'T-OK', status: 'succeeded', error: null, request });

describe('the banner and its saved snapshot', () => {
  test('the saved snapshot shows at once', () => {
    const { shown, failures } = setup({ saved: local });
    failures.showSaved();
    assert.equal(shown.value.task_id, 'T-1');
  });

  test('a failed attempt is saved and shown', () => {
    const { shown, lastFailed, failures } = setup();
    failures.attemptFailed(failedTask({ task_id: 'T-7' }));
    assert.equal(shown.value.task_id, 'T-7');
    assert.equal(lastFailed.load().task_id, 'T-7');
  });

  test('a success for the same cluster clears the banner and the snapshot (names ignore case)', () => {
    const { shown, lastFailed, failures } = setup({ saved: local });
    failures.showSaved();
    failures.attemptSucceeded(succeeded({ resource_group: 'RG1', cluster_name: 'Quota-One' }));
    assert.equal(shown.value, null);
    assert.equal(lastFailed.load(), null);
  });

  test('a success of the retry of that attempt clears it, whatever name the retry used', () => {
    const { shown, failures } = setup({ saved: local });
    failures.showSaved();
    failures.attemptSucceeded(succeeded({ resource_group: 'rg1', cluster_name: 'renamed', retry_of: 'T-1' }));
    assert.equal(shown.value, null);
  });

  test('a success for another cluster keeps the banner', () => {
    const { shown, failures } = setup({ saved: local });
    failures.showSaved();
    failures.attemptSucceeded(succeeded({ resource_group: 'rg1', cluster_name: 'other', retry_of: 'T-99' }));
    assert.equal(shown.value.task_id, 'T-1');
  });

  test('Dismiss clears everywhere and tells the server', async () => {
    const { shown, lastFailed, failures, dismissed } = setup({ saved: local });
    failures.showSaved();
    failures.dismiss(shown.value);
    assert.equal(shown.value, null);
    assert.equal(lastFailed.load(), null);
    await Promise.resolve();
    assert.deepEqual(dismissed, ['T-1']);
  });

  test("deleting the shown failure's partial cluster hides it; another failure stays", () => {
    const { shown, failures } = setup({ saved: local });
    failures.showSaved();
    failures.partialClusterDeleted('T-other');
    assert.equal(shown.value.task_id, 'T-1');
    failures.partialClusterDeleted('T-1');
    assert.equal(shown.value, null);
  });

  test("another tab's save shows here without writing back", () => {
    const { storage, eventTarget, shown, failures } = setup();
    failures.followOtherTabs();
    const raw = JSON.stringify(snapshotFromTask(failedTask({ task_id: 'T-9' })));
    eventTarget.dispatch('storage', { storageArea: storage, key: STORAGE_KEY, newValue: raw });
    assert.equal(shown.value.task_id, 'T-9');
    assert.deepEqual(storage.writes, []);
  });

  test('hydration: a server answer with no row clears a resolved local snapshot', async () => {
    const { shown, lastFailed, failures } = setup({ saved: local });
    failures.showSaved();
    await failures.hydrate();
    assert.equal(shown.value, null);
    assert.equal(lastFailed.load(), null);
  });

  test('hydration: a degraded answer keeps the local banner', async () => {
    const { shown, failures } = setup({ saved: local, recent: { jobs: [], degraded: true } });
    failures.showSaved();
    await failures.hydrate();
    assert.equal(shown.value.task_id, 'T-1');
  });

  test('hydration: a newer server row replaces and saves the local snapshot', async () => {
    const newer = failedTask({ task_id: 'T-2', updated_at: '2024-05-02T00:00:00Z' });
    const { shown, lastFailed, failures } = setup({ saved: local, recent: { jobs: [newer], degraded: false } });
    failures.showSaved();
    await failures.hydrate();
    assert.equal(shown.value.task_id, 'T-2');
    assert.equal(lastFailed.load().task_id, 'T-2');
  });

  test('hydration: a failed fetch keeps the local banner', async () => {
    const { shown, failures } = setup({ saved: local, recent: new Error('offline') });
    failures.showSaved();
    await failures.hydrate();
    assert.equal(shown.value.task_id, 'T-1');
  });

  test('hydration: a change by another tab while waiting wins over the answer', async () => {
    const { storage, shown, failures } = setup({ saved: local });
    failures.showSaved();
    const answered = failures.hydrate();
    storage.setItem(STORAGE_KEY, JSON.stringify(snapshotFromTask(failedTask({ task_id: 'T-3' }))));
    await answered;
    assert.equal(shown.value.task_id, 'T-3');
  });
});
