import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { activityText, attemptLabel, automaticText, clusterActivity, durationText, nextActionText } from '../js/activity.js';

const job = (overrides) => ({
  task_id: 'T', type: 'aks_stop', status: 'succeeded', trigger: 'user', created_at: '2025-12-06T10:00:00Z',
  request: { resource_group: 'rg', cluster_name: 'web-1' }, ...overrides,
});

describe('who started an operation', () => {
  test('automatic operations read the guardrail that started them', () => {
    assert.equal(automaticText(job({ trigger: 'idle' }), 60), 'Stopped automatically: idle for 1 hour');
    assert.equal(automaticText(job({ trigger: 'schedule' })), 'Stopped automatically: working hours');
    assert.equal(automaticText(job({ trigger: 'schedule', type: 'aks_start' })), 'Started automatically: working hours');
    assert.equal(automaticText(job({ trigger: 'expiry', type: 'aks_delete' })), 'Deleted automatically: expired');
  });
  test('an idle stop without a known rule still says it was idle', () => {
    assert.equal(automaticText(job({ trigger: 'idle' })), 'Stopped automatically: idle');
  });
  test("the user's own operations are not automatic, also on an older server without trigger", () => {
    assert.equal(automaticText(job({})), null);
    assert.equal(automaticText(job({ trigger: undefined })), null);
    assert.equal(activityText(job({})), 'Stop — started by you');
  });
  test('durations read like the guardrail choices', () => {
    assert.deepEqual([15, 30, 60, 120, 90].map(durationText), ['15 min', '30 min', '1 hour', '2 hours', '1 hour 30 min']);
  });
});

describe('recent attempts and activity', () => {
  test('a create is its cluster name, an operation names what it did, an automatic one its reason', () => {
    assert.equal(attemptLabel(job({ type: 'aks_provision' })), 'web-1');
    assert.equal(attemptLabel(job({})), 'Stop web-1');
    assert.equal(attemptLabel(job({ trigger: 'expiry', type: 'aks_delete' })), 'Deleted automatically: expired — web-1');
  });
  test("a cluster's activity is its own operations, newest first, names ignoring case", () => {
    const jobs = [
      job({ task_id: 'old', created_at: '2025-12-06T09:00:00Z' }),
      job({ task_id: 'other', request: { resource_group: 'rg', cluster_name: 'web-2' } }),
      job({ task_id: 'new', created_at: '2025-12-06T11:00:00Z', request: { resource_group: 'RG', cluster_name: 'WEB-1' } }),
    ];
    assert.deepEqual(clusterActivity(jobs, 'rg/web-1').map((j) => j.task_id), ['new', 'old']);
  });
});

describe('next guardrail action', () => {
  const now = Date.parse('2025-12-06T18:00:00Z');
  test('idle counts down the minutes', () => {
    const guardrails = { next_action: { kind: 'stop', at: '2025-12-06T18:11:30Z', reason: 'idle' } };
    assert.equal(nextActionText(guardrails, now), 'Auto-stop in 12 min');
  });
  test("working hours read in the schedule's time zone", () => {
    const schedule = { timezone: 'Europe/Berlin', days: ['mon'], start: '08:00', stop: '19:00' };
    assert.equal(nextActionText({ schedule, next_action: { kind: 'stop', at: '2025-12-06T18:00:00Z', reason: 'schedule' } }, now), 'Stops at 19:00');
    assert.equal(nextActionText({ schedule, next_action: { kind: 'start', at: '2025-12-07T07:00:00Z', reason: 'schedule' } }, now), 'Starts at 08:00');
  });
  test("expiry reads in the browser's time zone", () => {
    const guardrails = { next_action: { kind: 'delete', at: '2025-12-09T10:00:00Z', reason: 'expiry' } };
    assert.equal(nextActionText(guardrails, now, 'UTC'), 'Deletes on 9 Dec, 10:00');
  });
  test('nothing coming, nothing said', () => {
    assert.equal(nextActionText(null, now), '');
    assert.equal(nextActionText({ next_action: null }, now), '');
  });
});
