import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { attemptOutcome, ENDED, FAILED, SUCCEEDED } from '../js/attempt-outcome.js';
import { failedTask } from './fakes.js';

const finished = (overrides) => failedTask({ error: null, ...overrides });

describe('attempt outcome', () => {
  test('a success says the cluster is ready and links to the portal', () => {
    const outcome = attemptOutcome(
      finished({ status: 'succeeded', progress: { portal_url: 'https://portal.azure.com/#c' } }),
    );
    assert.equal(outcome.report, SUCCEEDED);
    assert.deepEqual(outcome.notice, {
      text: 'Cluster quota-one is ready.',
      tone: 'success',
      link: { label: 'View cluster in Azure portal', url: 'https://portal.azure.com/#c' },
    });
  });

  test('a success with an unsafe portal URL has no link', () => {
    const outcome = attemptOutcome(finished({ status: 'succeeded', progress: { portal_url: 'javascript:x' } }));
    assert.equal(outcome.notice.link, null);
  });

  test('a failure is reported and leaves the card notice empty', () => {
    const outcome = attemptOutcome(failedTask());
    assert.equal(outcome.report, FAILED);
    assert.equal(outcome.notice.text, '');
  });

  test('a cancel after the cluster existed is reported as a failure', () => {
    const outcome = attemptOutcome(finished({ status: 'cancelled', progress: { cluster_seen: true } }));
    assert.equal(outcome.report, FAILED);
  });

  test('a cancel before Azure created anything only says so', () => {
    const outcome = attemptOutcome(finished({ status: 'cancelled', progress: { cluster_seen: false } }));
    assert.equal(outcome.report, ENDED);
    assert.equal(outcome.notice.text, 'The attempt for quota-one was cancelled before Azure created anything.');
  });

  test('any other end names its status', () => {
    const outcome = attemptOutcome({ status: 'odd', request: {} });
    assert.equal(outcome.report, ENDED);
    assert.equal(outcome.notice.text, 'The attempt for the cluster ended: odd.');
  });
});
