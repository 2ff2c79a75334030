import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { attemptOutcome, createWarning, ENDED, FAILED, SUCCEEDED, warningOf } from '../js/attempt-outcome.js';
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
      warning: null,
    });
  });

  const grantWarning = {
    code: 'AccessNotGranted',
    category: 'permission',
    message: 'The cluster is ready, but you were not given access to it.',
    actions: [{ kind: 'grant_access', label: 'Grant access', url: 'https://portal.azure.com/#iam', commands: ['az role assignment create …'] }],
  };

  test('a success that could not grant access is still a success, carrying the warning to show', () => {
    const outcome = attemptOutcome(finished({ status: 'succeeded', warning: grantWarning }));
    assert.equal(outcome.report, SUCCEEDED);
    assert.equal(outcome.notice.tone, 'success');
    assert.equal(outcome.notice.text, 'Cluster quota-one is ready.');
    assert.deepEqual(outcome.notice.warning, grantWarning);
  });

  test('a warning without a message is not shown', () => {
    assert.equal(warningOf(finished({ warning: { code: 'X', category: 'unknown', message: '' } })), null);
    assert.equal(warningOf(finished({ warning: null })), null);
    assert.equal(warningOf(finished({})), null);
  });

  test("a cluster's create warning comes from its own succeeded create in the history", () => {
    const jobs = [
      finished({ task_id: 'other', status: 'succeeded', warning: grantWarning }),
      finished({ task_id: 'made-it', status: 'succeeded', warning: grantWarning }),
    ];
    assert.deepEqual(createWarning(jobs, { created_by_task: 'made-it' }), grantWarning);
    assert.equal(createWarning(jobs, { created_by_task: 'unknown' }), null);
    assert.equal(createWarning(jobs, { created_by_task: null }), null);
    assert.equal(createWarning([{ ...jobs[1], status: 'failed' }], { created_by_task: 'made-it' }), null);
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
