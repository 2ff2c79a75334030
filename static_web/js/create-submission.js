// One Idempotency-Key per submission of the Create form: a resend of the same values after
// a network failure (which may have reached the server) reuses it, anything else gets a new one.

import { newIdempotencyKey } from './api.js';

/** `send(body)` provisions through `api`; `forget()` drops the key (the dialog reopened). */
export function createSubmission({ api, makeKey = newIdempotencyKey }) {
  let pending = null; // {key, bodyJson} of a send that may have reached the server

  async function send(body) {
    const bodyJson = JSON.stringify(body);
    if (!pending || pending.bodyJson !== bodyJson) pending = { key: makeKey(), bodyJson };
    try {
      const answer = await api.provision(body, { idempotencyKey: pending.key });
      pending = null;
      return answer;
    } catch (problem) {
      if (problem.status !== 0) pending = null; // the server answered: that key is spent
      throw problem;
    }
  }

  return { send, forget: () => { pending = null; } };
}
