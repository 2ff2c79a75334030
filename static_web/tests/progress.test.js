import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  elapsedSince,
  formatElapsed,
  nextPollDelay,
  POLL_INTERVAL_MS,
  resumableAttempt,
  statusLabel,
  stepName,
  stepText,
} from '../js/progress.js';

describe('elapsed time', () => {
  test('under a minute reads 0:ss', () => assert.equal(formatElapsed(5_400), '0:05'));
  test('minutes read m:ss', () => assert.equal(formatElapsed(65_000), '1:05'));
  test('hours read h:mm:ss', () => assert.equal(formatElapsed(3_723_000), '1:02:03'));
  test('negative or missing reads 0:00', () => {
    assert.equal(formatElapsed(-10), '0:00');
    assert.equal(formatElapsed(NaN), '0:00');
  });
  test('elapsedSince counts from the ISO start', () => {
    assert.equal(elapsedSince('2024-05-01T10:00:00Z', Date.parse('2024-05-01T10:01:30Z')), 90_000);
  });
  test('elapsedSince of an unknown start is 0', () => assert.equal(elapsedSince(null, 5), 0));
  test('elapsedSince never goes negative (clock skew)', () => {
    assert.equal(elapsedSince('2024-05-01T10:00:10Z', Date.parse('2024-05-01T10:00:00Z')), 0);
  });
});

describe('step text', () => {
  test('reads Step N of M', () => {
    assert.equal(stepText({ step_index: 2, total_steps: 4 }), 'Step 2 of 4');
  });
  test('is null when the numbers are unknown', () => {
    assert.equal(stepText({ step: 'queued' }), null);
    assert.equal(stepText(null), null);
    assert.equal(stepText({ step_index: 1, total_steps: 0 }), null);
  });
  test('never reads below 1 or above the total', () => {
    assert.equal(stepText({ step_index: 0, total_steps: 4 }), 'Step 1 of 4');
    assert.equal(stepText({ step_index: 9, total_steps: 4 }), 'Step 4 of 4');
  });
});

describe('polling decision', () => {
  test('polls about every 2 s while queued', () => {
    assert.equal(nextPollDelay({ status: 'queued' }), POLL_INTERVAL_MS);
    assert.equal(POLL_INTERVAL_MS, 2000);
  });
  test('polls while running', () => assert.equal(nextPollDelay({ status: 'running' }), 2000));
  for (const status of ['succeeded', 'failed', 'cancelled']) {
    test(`stops when ${status}`, () => assert.equal(nextPollDelay({ status }), null));
  }
  test('does not poll when idle (no task)', () => assert.equal(nextPollDelay(null), null));
});

describe('status label', () => {
  test('known statuses are capitalised', () => assert.equal(statusLabel('running'), 'Running'));
  test('unknown statuses are shown as they are', () => assert.equal(statusLabel('odd'), 'odd'));
});

describe('step name', () => {
  test('the backend\'s lowercase queued step reads "Queued"', () => assert.equal(stepName('queued'), 'Queued'));
  test('an already capitalised step is shown as it is', () => assert.equal(stepName('Queued'), 'Queued'));
  test('a worded step is shown as it is', () => assert.equal(stepName('Creating cluster'), 'Creating cluster'));
  test('a snake_case step reads as words', () => assert.equal(stepName('waiting_for_arm'), 'Waiting for arm'));
  test('no step reads empty', () => {
    assert.equal(stepName(null), '');
    assert.equal(stepName(''), '');
  });
});

describe('resumable attempt', () => {
  test('is the first create still queued or running', () => {
    const jobs = [
      { task_id: 'D', type: 'aks_delete', status: 'running' },
      { task_id: 'A', type: 'aks_provision', status: 'running' },
      { task_id: 'B', type: 'aks_provision', status: 'queued' },
    ];
    assert.equal(resumableAttempt(jobs).task_id, 'A');
  });
  test('is never a lifecycle operation (a stop is not a create)', () => {
    const jobs = [
      { task_id: 'S', type: 'aks_stop', status: 'running' },
      { task_id: 'U', type: 'aks_upgrade', status: 'queued' },
    ];
    assert.equal(resumableAttempt(jobs), undefined);
  });
  test('is none when everything finished', () => {
    assert.equal(resumableAttempt([{ task_id: 'A', type: 'aks_provision', status: 'failed' }]), undefined);
  });
});
