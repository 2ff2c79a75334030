import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  extendOffered,
  formFromGuardrails,
  guardrailsFormField,
  guardrailsRequest,
  idleChoices,
  IDLE_CHOICES,
  isoFromLocalInput,
  localInputFromIso,
  timeZoneSuggestions,
} from '../js/guardrails-model.js';

// Delete on is typed in the browser's time zone: pin one with daylight saving.
process.env.TZ = 'Europe/Berlin';

const NOW = Date.parse('2025-12-06T10:00:00Z');
const schedule = { timezone: 'America/New_York', days: ['mon', 'wed'], start: '08:00', stop: '19:00' };

describe('the guardrails form', () => {
  test('Auto-stop when idle offers exactly Off, 15 min, 30 min, 1 hour, 2 hours, 4 hours, 8 hours', () => {
    assert.deepEqual(IDLE_CHOICES.map((c) => c.label), ['Off', '15 min', '30 min', '1 hour', '2 hours', '4 hours', '8 hours']);
    assert.deepEqual(IDLE_CHOICES.map((c) => c.value), ['', '15', '30', '60', '120', '240', '480']);
  });
  test('a value set elsewhere stays a choice, so saving does not change it', () => {
    assert.equal(idleChoices('45').at(-1)?.label, '45 min');
    assert.equal(idleChoices('90').at(-1)?.label, '1 hour 30 min');
    assert.equal(idleChoices('60').length, IDLE_CHOICES.length);
  });
  test('no guardrails: everything off, working hours suggested in the browser time zone', () => {
    assert.deepEqual(formFromGuardrails(null, 'Europe/Berlin'), {
      idle: '', workingHours: false, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', stop: '19:00',
      timezone: 'Europe/Berlin', deleteOn: '',
    });
  });
  test("the form shows the cluster's guardrails; Delete on in the browser's time zone", () => {
    const values = formFromGuardrails({ idle_stop_minutes: 60, schedule, expires_at: '2025-12-09T09:00:00Z' }, 'Europe/Berlin');
    assert.deepEqual(values, {
      idle: '60', workingHours: true, days: ['mon', 'wed'], start: '08:00', stop: '19:00',
      timezone: 'America/New_York', deleteOn: '2025-12-09T10:00',
    });
  });
  test('the PUT body is the contract shape, days in week order, Delete on as UTC', () => {
    const values = { idle: '30', workingHours: true, days: ['fri', 'mon'], start: '09:00', stop: '17:30', timezone: ' Europe/Paris ', deleteOn: '2026-07-01T18:00' };
    assert.deepEqual(guardrailsRequest(values), {
      ok: true,
      body: {
        idle_stop_minutes: 30,
        schedule: { timezone: 'Europe/Paris', days: ['mon', 'fri'], start: '09:00', stop: '17:30' },
        expires_at: '2026-07-01T16:00:00Z',
      },
    });
  });
  test('everything off sends three nulls (the server removes the guardrails)', () => {
    const off = { ...formFromGuardrails(null, 'UTC') };
    assert.deepEqual(guardrailsRequest(off), { ok: true, body: { idle_stop_minutes: null, schedule: null, expires_at: null } });
  });
  test("the page does not judge the server's rules: no days, equal times or an odd zone are sent as typed", () => {
    const values = { idle: '', workingHours: true, days: [], start: '08:00', stop: '08:00', timezone: 'Mars/Olympus', deleteOn: '' };
    const checked = guardrailsRequest(values);
    assert.equal(checked.ok, true);
    assert.deepEqual(checked.ok && checked.body.schedule, { timezone: 'Mars/Olympus', days: [], start: '08:00', stop: '08:00' });
  });
  test('a Delete on that is no date and time is named before anything is sent', () => {
    for (const deleteOn of ['soon', '2026-02-30T10:00', '2026-13-01T10:00']) {
      const checked = guardrailsRequest({ ...formFromGuardrails(null, 'UTC'), deleteOn });
      assert.deepEqual(checked.ok ? null : Object.keys(checked.errors), ['deleteOn'], deleteOn);
    }
  });
  test('local and UTC times convert both ways', () => {
    assert.equal(isoFromLocalInput('2025-12-09T10:00'), '2025-12-09T09:00:00Z');
    assert.equal(localInputFromIso(isoFromLocalInput('2026-03-29T03:30')), '2026-03-29T03:30');
    assert.equal(localInputFromIso('garbage'), '');
    assert.equal(localInputFromIso(null), '');
  });
  test("a server 400 lands on the field it names, dotted names included", () => {
    assert.equal(guardrailsFormField('schedule.timezone'), 'timezone');
    assert.equal(guardrailsFormField('schedule.days'), 'days');
    assert.equal(guardrailsFormField('schedule.stop'), 'stop');
    assert.equal(guardrailsFormField('expires_at'), 'deleteOn');
    assert.equal(guardrailsFormField('idle_stop_minutes'), 'idle');
    assert.equal(guardrailsFormField('body'), null);
    assert.equal(guardrailsFormField('toString'), null);
  });
  test('time zone suggestions start with UTC, once', () => {
    const zones = timeZoneSuggestions();
    assert.equal(zones[0], 'UTC');
    assert.equal(zones.filter((zone) => zone === 'UTC').length, 1);
  });
});

describe('Extend', () => {
  const idle = (minutesAhead, idleMinutes = 60) => ({
    idle_stop_minutes: idleMinutes,
    next_action: { kind: 'stop', reason: 'idle', at: new Date(NOW + minutesAhead * 60_000).toISOString() },
  });
  test('an idle stop offers Extend within half the idle minutes, and while overdue', () => {
    assert.equal(extendOffered(idle(30), NOW), true);
    assert.equal(extendOffered(idle(31), NOW), false);
    assert.equal(extendOffered(idle(-2), NOW), true);
    assert.equal(extendOffered(idle(7, 15), NOW), true);
    assert.equal(extendOffered(idle(8, 15), NOW), false);
  });
  test('a working-hours stop offers it within 30 minutes', () => {
    const at = (minutes) => ({ schedule, next_action: { kind: 'stop', reason: 'schedule', at: new Date(NOW + minutes * 60_000).toISOString() } });
    assert.equal(extendOffered(at(30), NOW), true);
    assert.equal(extendOffered(at(31), NOW), false);
  });
  test('a start or a delete is never extended; nothing coming offers nothing', () => {
    const next = (kind, reason) => ({ idle_stop_minutes: 60, next_action: { kind, reason, at: new Date(NOW).toISOString() } });
    assert.equal(extendOffered(next('start', 'schedule'), NOW), false);
    assert.equal(extendOffered(next('delete', 'expiry'), NOW), false);
    assert.equal(extendOffered({ idle_stop_minutes: 60, next_action: null }, NOW), false);
    assert.equal(extendOffered(null, NOW), false);
  });
});
