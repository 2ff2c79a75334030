// @ts-check
// One Idempotency-Key per submission of the Create form: a resend of the same values after
// a network failure (which may have reached the server) reuses it, anything else gets a new one.

import { newIdempotencyKey } from './api.js';

/**
 * `send(body)` provisions through `api`; `forget()` drops the key (the dialog reopened).
 * @param {{api: Pick<import('./api.js').ApiClient, 'provision'>, makeKey?: () => string}} deps
 */
export function createSubmission({ api, makeKey = newIdempotencyKey }) {
  /** @type {{key: string, bodyJson: string} | null} */
  let pending = null; // a send that may have reached the server

  /** @param {import('./validation.js').ProvisionBody} body */
  async function send(body) {
    const bodyJson = JSON.stringify(body);
    if (!pending || pending.bodyJson !== bodyJson) pending = { key: makeKey(), bodyJson };
    try {
      const answer = await api.provision(body, { idempotencyKey: pending.key });
      pending = null;
      return answer;
    } catch (problem) {
      // The server answered (anything but a network failure): that key is spent.
      if (/** @type {{status?: number}} */ (problem)?.status !== 0) pending = null;
      throw problem;
    }
  }

  return { send, forget: () => { pending = null; } };
}
