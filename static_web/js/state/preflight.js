// Slice `preflight`: the Create dialog's live checks — `{status, result, problem}` — where
// status is idle (nothing to check yet), checking, done, or unavailable (network/5xx).

import { PREFLIGHT_ANSWERED, PREFLIGHT_CHECKING, PREFLIGHT_RESET, PREFLIGHT_UNAVAILABLE } from './actions.js';
import { priceLine, submitState } from '../preflight-model.js';

export const PREFLIGHT_NOTES = {
  idle: 'Checks run against Azure once the required fields are filled in.',
  checking: 'Checking…',
  unavailable: 'Preflight checks are unavailable right now; you can still create.',
  passed: 'No check fails.',
  failed: 'Fix the failing checks to create.',
};

const IDLE = Object.freeze({ status: 'idle', result: null, problem: null });

export const preflightSlice = {
  initial: IDLE,
  reducers: {
    // The last answer stays on screen while a newer check runs, but no longer blocks Create.
    [PREFLIGHT_CHECKING]: (preflight) =>
      preflight.status === 'checking' ? preflight : { status: 'checking', result: preflight.result, problem: null },
    [PREFLIGHT_ANSWERED]: (_preflight, { result }) => ({ status: 'done', result, problem: null }),
    [PREFLIGHT_UNAVAILABLE]: (_preflight, { problem }) => ({ status: 'unavailable', result: null, problem }),
    [PREFLIGHT_RESET]: (preflight) => (preflight.status === 'idle' && preflight.result === null ? preflight : IDLE),
  },
};

/** The line under the title: what the checks are doing, or how they came out. */
function preflightNote(preflight, blocked) {
  if (preflight.status !== 'done') return PREFLIGHT_NOTES[preflight.status] ?? '';
  return blocked ? PREFLIGHT_NOTES.failed : PREFLIGHT_NOTES.passed;
}

/** What the dialog shows: the checks, the note, the price line and the submit button. */
export function preflightView(preflight) {
  const submit = submitState(preflight.status === 'done' ? preflight.result : null);
  return {
    checks: Array.isArray(preflight.result?.checks) ? preflight.result.checks : [],
    busy: preflight.status === 'checking',
    note: preflightNote(preflight, submit.blocked),
    price: priceLine(preflight.result?.cost ?? null),
    blocked: submit.blocked,
    submitLabel: submit.label,
  };
}
