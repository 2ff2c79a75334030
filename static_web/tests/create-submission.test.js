import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError } from '../js/api.js';
import { createSubmission } from '../js/create-submission.js';

/** An API whose provision answers from `outcomes` in turn and records the keys it got. */
function fakeApi(outcomes) {
  const keys = [];
  return {
    keys,
    provision: async (_body, { idempotencyKey }) => {
      keys.push(idempotencyKey);
      const outcome = outcomes.shift();
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
}

const networkError = () => new ApiError({ status: 0, code: 'network_error', message: 'offline' });
const counter = () => { let n = 0; return () => `key-${++n}`; };

describe('create submission keys', () => {
  test('a resend of the same values after a network failure reuses the key', async () => {
    const api = fakeApi([networkError(), { task_id: 'T1' }]);
    const submission = createSubmission({ api, makeKey: counter() });
    await assert.rejects(submission.send({ a: 1 }));
    assert.deepEqual(await submission.send({ a: 1 }), { task_id: 'T1' });
    assert.deepEqual(api.keys, ['key-1', 'key-1']);
  });

  test('changed values or a server refusal get a new key', async () => {
    const refused = new ApiError({ status: 400, code: 'bad', message: 'cluster_name bad' });
    const api = fakeApi([networkError(), refused, { task_id: 'T2' }]);
    const submission = createSubmission({ api, makeKey: counter() });
    await assert.rejects(submission.send({ a: 1 }));
    await assert.rejects(submission.send({ a: 2 }));
    await submission.send({ a: 2 });
    assert.deepEqual(api.keys, ['key-1', 'key-2', 'key-3']);
  });

  test('reopening the dialog forgets a pending key', async () => {
    const api = fakeApi([networkError(), { task_id: 'T3' }]);
    const submission = createSubmission({ api, makeKey: counter() });
    await assert.rejects(submission.send({ a: 1 }));
    submission.forget();
    await submission.send({ a: 1 });
    assert.deepEqual(api.keys, ['key-1', 'key-2']);
  });
});
