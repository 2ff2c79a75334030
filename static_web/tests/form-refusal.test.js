import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError } from '../js/api.js';
import { refusalOf } from '../js/form-refusal.js';

const toField = (name) => ({ 'schedule.timezone': 'timezone' })[name] ?? null;

describe('where a refusal shows', () => {
  test('a 400 goes next to the field it names', () => {
    const problem = new ApiError({ status: 400, code: 'invalid_request', message: 'schedule.timezone must be …', serverField: 'schedule.timezone' });
    assert.deepEqual(refusalOf(problem, toField), { field: 'timezone', message: 'schedule.timezone must be …', links: [] });
  });
  test('a 400 naming no form field, and any 409, shows above the fields with its links', () => {
    const quota = new ApiError({
      status: 409,
      code: 'quota_exceeded',
      message: 'Standard DSv5 Family needs 8 vCPUs; 4 are free.',
      serverField: 'schedule.timezone',
      actions: [
        { kind: 'link', label: 'Request quota increase', url: 'https://portal.azure.com/#quota' },
        { kind: 'link', label: 'Unsafe', url: 'javascript:alert(1)' },
        { kind: 'edit', label: 'Choose another size' },
      ],
    });
    assert.deepEqual(refusalOf(quota, toField), {
      field: null,
      message: 'Standard DSv5 Family needs 8 vCPUs; 4 are free.',
      links: [{ label: 'Request quota increase', url: 'https://portal.azure.com/#quota' }],
    });
    const odd = new ApiError({ status: 400, code: 'invalid_request', message: 'body must be a JSON object', serverField: 'body' });
    assert.equal(refusalOf(odd, toField).field, null);
  });
  test('anything else still has a message', () => {
    assert.deepEqual(refusalOf(new Error(''), toField), { field: null, message: 'The request failed.', links: [] });
    assert.deepEqual(refusalOf(undefined, toField), { field: null, message: 'The request failed.', links: [] });
  });
});
