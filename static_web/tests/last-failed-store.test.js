import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { snapshotFromTask } from '../js/failure-snapshot.js';
import { createLastFailedStore, STORAGE_KEY } from '../js/last-failed-store.js';
import { failedTask, FakeEventTarget, MemoryStorage } from './fakes.js';

const makeStore = (initial = {}) => {
  const storage = new MemoryStorage(initial);
  const eventTarget = new FakeEventTarget();
  return { storage, eventTarget, store: createLastFailedStore({ storage, eventTarget }) };
};
const snapshot = (overrides = {}) => snapshotFromTask(failedTask(overrides));

describe('last failed store', () => {
  test('load returns null when nothing is saved', () => {
    assert.equal(makeStore().store.load(), null);
  });

  test('save then load returns the same snapshot', () => {
    const { store } = makeStore();
    const saved = store.save(snapshot());
    assert.deepEqual(store.load(), saved);
    assert.equal(saved.cluster_name, 'quota-one');
    assert.equal(saved.error.category, 'quota');
  });

  test('save writes versioned JSON under the fixed key', () => {
    const { store, storage } = makeStore();
    store.save(snapshot());
    const stored = JSON.parse(storage.getItem(STORAGE_KEY));
    assert.equal(STORAGE_KEY, 'elb_last_failed_provision_v1');
    assert.equal(stored.v, 1);
    assert.equal(stored.task_id, 'T-1');
  });

  test('clear removes the snapshot', () => {
    const { store } = makeStore();
    store.save(snapshot());
    store.clear();
    assert.equal(store.load(), null);
  });

  test('save refuses a value that is not a snapshot and writes nothing', () => {
    const { store, storage } = makeStore();
    assert.equal(store.save({ hello: 'world' }), null);
    assert.deepEqual(storage.writes, []);
  });

  for (const [name, raw] of [
    ['not JSON', '{not json'],
    ['a JSON string', '"hello"'],
    ['a wrong version', JSON.stringify({ ...snapshot(), v: 2 })],
    ['a wrong type for task_id', JSON.stringify({ ...snapshot(), task_id: 42 })],
    ['an unparseable time', JSON.stringify({ ...snapshot(), when: 'yesterday' })],
    ['a malformed error', JSON.stringify({ ...snapshot(), error: 'boom' })],
    ['a huge value', JSON.stringify({ ...snapshot(), padding: 'x'.repeat(40000) })],
  ]) {
    test(`load ignores and removes ${name}`, () => {
      const { store, storage } = makeStore({ [STORAGE_KEY]: raw });
      assert.equal(store.load(), null);
      assert.equal(storage.getItem(STORAGE_KEY), null);
    });
  }

  test('a corrupt value is replaced by the next save', () => {
    const { store } = makeStore({ [STORAGE_KEY]: '<<junk>>' });
    assert.equal(store.load(), null);
    store.save(snapshot());
    assert.equal(store.load().task_id, 'T-1');
  });

  test('load survives a storage that throws', () => {
    const storage = {
      getItem() {
        throw new Error('SecurityError');
      },
      setItem() {
        throw new Error('QuotaExceededError');
      },
      removeItem() {
        throw new Error('SecurityError');
      },
    };
    const problems = [];
    const store = createLastFailedStore({
      storage,
      eventTarget: new FakeEventTarget(),
      onProblem: (p) => problems.push(p),
    });
    assert.equal(store.load(), null);
    assert.doesNotThrow(() => store.save(snapshot()));
    assert.doesNotThrow(() => store.clear());
    assert.equal(problems.length, 3);
  });

  test('a message longer than 4 KiB is cut when saved', () => {
    const { store } = makeStore();
    const long = snapshotFromTask(
      failedTask({ error: { ...failedTask().error, message: 'y'.repeat(10000) } }),
    );
    store.save(long);
    assert.equal(store.load().error.message.length, 4096);
  });
});

describe('last failed store subscription', () => {
  const storageEvent = (storage, key, newValue) => ({ storageArea: storage, key, newValue });

  test('another tab saving calls back with the new snapshot', () => {
    const { store, storage, eventTarget } = makeStore();
    const seen = [];
    store.subscribe((s) => seen.push(s));
    const raw = JSON.stringify(snapshot());
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, raw));
    assert.equal(seen.length, 1);
    assert.equal(seen[0].task_id, 'T-1');
  });

  test('another tab clearing the key calls back with null', () => {
    const { store, storage, eventTarget } = makeStore();
    const seen = [];
    store.subscribe((s) => seen.push(s));
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, null));
    assert.deepEqual(seen, [null]);
  });

  test('another tab clearing all storage (key null) calls back with null', () => {
    const { store, storage, eventTarget } = makeStore();
    const seen = [];
    store.subscribe((s) => seen.push(s));
    eventTarget.dispatch('storage', storageEvent(storage, null, null));
    assert.deepEqual(seen, [null]);
  });

  test('changes to other keys are ignored', () => {
    const { store, storage, eventTarget } = makeStore();
    const seen = [];
    store.subscribe((s) => seen.push(s));
    eventTarget.dispatch('storage', storageEvent(storage, 'other_key', 'x'));
    assert.deepEqual(seen, []);
  });

  test('changes to another storage area (sessionStorage) are ignored', () => {
    const { store, eventTarget } = makeStore();
    const seen = [];
    store.subscribe((s) => seen.push(s));
    const raw = JSON.stringify(snapshot());
    eventTarget.dispatch('storage', storageEvent(new MemoryStorage(), STORAGE_KEY, raw));
    assert.deepEqual(seen, []);
  });

  test('a corrupt value from another tab reads as null', () => {
    const { store, storage, eventTarget } = makeStore();
    const seen = [];
    store.subscribe((s) => seen.push(s));
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, '{"v":1'));
    assert.deepEqual(seen, [null]);
  });

  test('applying a remote change writes nothing back (no echo loop)', () => {
    const { store, storage, eventTarget } = makeStore();
    store.subscribe(() => {});
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, JSON.stringify(snapshot())));
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, 'junk'));
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, null));
    assert.deepEqual(storage.writes, []);
  });

  test('unsubscribe stops the callbacks', () => {
    const { store, storage, eventTarget } = makeStore();
    const seen = [];
    const unsubscribe = store.subscribe((s) => seen.push(s));
    unsubscribe();
    eventTarget.dispatch('storage', storageEvent(storage, STORAGE_KEY, null));
    assert.deepEqual(seen, []);
  });
});
