import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CHANNEL_NAME, createTabSync, FALLBACK_KEY, readMessage } from '../js/tab-sync.js';
import { FakeEventTarget, MemoryStorage } from './fakes.js';

/** A BroadcastChannel stand-in: every channel of one name hears the others, never itself. */
function channels() {
  const open = [];
  return (name) => {
    const listeners = [];
    const channel = {
      name,
      postMessage: (data) => open.filter((other) => other !== channel && other.name === name)
        .forEach((other) => other.listeners.forEach((listener) => listener({ data: structuredClone(data) }))),
      addEventListener: (_type, listener) => listeners.push(listener),
      close: () => {},
      listeners,
    };
    open.push(channel);
    return channel;
  };
}

describe('tabs in step', () => {
  test('a message posted in one tab reaches the others over the channel, not itself', () => {
    const openChannel = channels();
    const heard = { a: [], b: [] };
    const a = createTabSync({ openChannel, storage: null, eventTarget: new FakeEventTarget() });
    const b = createTabSync({ openChannel, storage: null, eventTarget: new FakeEventTarget() });
    a.listen((message) => heard.a.push(message));
    b.listen((message) => heard.b.push(message));
    a.post({ type: 'stopping', taskId: 'T-1' });
    assert.deepEqual(heard, { a: [], b: [{ type: 'stopping', taskId: 'T-1' }] });
    assert.equal(a.usesChannel, true);
  });

  test('without BroadcastChannel the storage event carries the message', () => {
    const storage = new MemoryStorage();
    const eventTarget = new FakeEventTarget();
    const heard = [];
    const sync = createTabSync({ openChannel: null, storage, eventTarget });
    sync.listen((message) => heard.push(message));
    sync.post({ type: 'history', jobs: [] });
    const [, key, value] = storage.writes[0];
    assert.equal(key, FALLBACK_KEY);
    eventTarget.dispatch('storage', { key, newValue: value });
    eventTarget.dispatch('storage', { key: 'elb_last_failed_provision_v1', newValue: value });
    assert.deepEqual(heard, [{ type: 'history', jobs: [] }]);
  });

  test('a channel that cannot open falls back to storage and says why', () => {
    const problems = [];
    const storage = new MemoryStorage();
    const sync = createTabSync({ openChannel: () => { throw new Error('denied'); }, storage, eventTarget: new FakeEventTarget(), onProblem: (p) => problems.push(p.message) });
    sync.post({ type: 'stopping', taskId: 'T' });
    assert.deepEqual(problems, ['denied']);
    assert.equal(storage.writes.length, 1);
    assert.equal(CHANNEL_NAME, 'elb_dashboard_v1');
  });

  test('foreign or corrupt messages are ignored', () => {
    for (const value of [null, 'x', { type: 'nope' }, { type: 'task' }, { type: 'task', task: { task_id: 1 } },
      { type: 'clusters', clusters: 'x' }, { type: 'stopping' }]) {
      assert.equal(readMessage(value), null, JSON.stringify(value));
    }
    assert.deepEqual(readMessage({ type: 'task', task: { task_id: 'T' } }), { type: 'task', task: { task_id: 'T' } });
  });
});
