import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { changeMessage, CLUSTERS_CHANGED_KEY, createClustersBroadcast, readChange } from '../js/clusters-broadcast.js';
import { FakeEventTarget, MemoryStorage } from './fakes.js';

describe('clusters broadcast', () => {
  test('an announcement is written under its own key, fresh every time', () => {
    const storage = new MemoryStorage();
    const broadcast = createClustersBroadcast({ storage, eventTarget: new FakeEventTarget() });
    broadcast.announce('T1', 'started');
    broadcast.announce('T1', 'started');
    const [first, second] = storage.writes.map(([, key, value]) => [key, value]);
    assert.equal(first[0], CLUSTERS_CHANGED_KEY);
    assert.notEqual(first[1], second[1]);
    assert.deepEqual(readChange(second[1]), { taskId: 'T1', phase: 'started' });
  });
  test('another tab hears changes on the key and ignores foreign or corrupt values', () => {
    const events = new FakeEventTarget();
    const broadcast = createClustersBroadcast({ storage: new MemoryStorage(), eventTarget: events });
    const heard = [];
    const stop = broadcast.listen((change) => heard.push(change));
    events.dispatch('storage', { key: CLUSTERS_CHANGED_KEY, newValue: changeMessage('T2', 'ended') });
    events.dispatch('storage', { key: CLUSTERS_CHANGED_KEY, newValue: '{not json' });
    events.dispatch('storage', { key: CLUSTERS_CHANGED_KEY, newValue: JSON.stringify({ task_id: 'T3', phase: 'exploded' }) });
    events.dispatch('storage', { key: 'elb_last_failed_provision_v1', newValue: changeMessage('T4', 'ended') });
    stop();
    events.dispatch('storage', { key: CLUSTERS_CHANGED_KEY, newValue: changeMessage('T5', 'ended') });
    assert.deepEqual(heard, [{ taskId: 'T2', phase: 'ended' }]);
  });
  test('a refused write is reported, never thrown; no storage means no broadcast', () => {
    const problems = [];
    const storage = { setItem: () => { throw new Error('quota'); } };
    createClustersBroadcast({ storage, eventTarget: new FakeEventTarget(), onProblem: (p) => problems.push(p) }).announce('T1', 'ended');
    createClustersBroadcast({ storage: null, eventTarget: new FakeEventTarget() }).announce('T1', 'ended');
    assert.equal(problems.length, 1);
  });
});
