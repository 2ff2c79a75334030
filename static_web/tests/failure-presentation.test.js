import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  describeAction,
  hasMoreDetail,
  headlineFor,
  isCancelledWithPartialCluster,
  safeHttpsUrl,
  shortMessage,
} from '../js/failure-presentation.js';

describe('headlines', () => {
  const expected = {
    quota: 'Quota exceeded',
    sku: 'VM size not available',
    region: 'Region not available',
    permission: 'Permission denied',
    invalid_request: 'Invalid request',
    conflict: 'Conflict',
    transient: 'Temporary Azure problem',
    cancelled: 'Cancelled',
    unknown: 'Provisioning failed',
  };
  for (const [category, headline] of Object.entries(expected)) {
    test(`${category} reads "${headline}"`, () => assert.equal(headlineFor(category), headline));
  }
  test('an unknown category reads "Provisioning failed"', () => {
    assert.equal(headlineFor('toString'), 'Provisioning failed');
    assert.equal(headlineFor(undefined), 'Provisioning failed');
  });
});

describe('links', () => {
  test('an https URL may become a link', () => {
    assert.equal(safeHttpsUrl('https://portal.azure.com/#x'), 'https://portal.azure.com/#x');
  });
  for (const url of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'http://example.com', 'data:text/html,x', '/relative', '', null]) {
    test(`${String(url)} never becomes a link`, () => assert.equal(safeHttpsUrl(url), null));
  }
  test('a javascript: action renders as text', () => {
    assert.equal(describeAction({ kind: 'link', label: 'x', url: 'javascript:alert(1)' }).as, 'text');
  });
  test('an https action renders as a link', () => {
    const described = describeAction({ kind: 'link', label: 'Quota', url: 'https://a.example/q' });
    assert.deepEqual(described, { as: 'link', kind: 'link', label: 'Quota', url: 'https://a.example/q' });
  });
  test('edit and delete_cluster are in-app actions', () => {
    assert.equal(describeAction({ kind: 'edit', label: 'Choose another VM size' }).as, 'in_app');
    assert.equal(describeAction({ kind: 'delete_cluster', label: 'Delete' }).as, 'in_app');
  });
});

describe('messages', () => {
  test('the short message is the first line', () => {
    assert.equal(shortMessage('first\nsecond'), 'first');
    assert.equal(hasMoreDetail('first\nsecond'), true);
  });
  test('a long first line is shortened with an ellipsis', () => {
    const short = shortMessage('z'.repeat(500));
    assert.equal(short.length, 200);
    assert.ok(short.endsWith('…'));
  });
  test('a one-line short message has no more detail', () => assert.equal(hasMoreDetail('ok'), false));
});

describe('cancelled with partial cluster', () => {
  test('needs cancelled and cluster seen', () => {
    const seen = { status: 'cancelled', progress: { cluster_seen: true } };
    assert.equal(isCancelledWithPartialCluster(seen), true);
    assert.equal(isCancelledWithPartialCluster({ ...seen, progress: { cluster_seen: false } }), false);
    assert.equal(isCancelledWithPartialCluster({ status: 'failed', progress: { cluster_seen: true } }), false);
  });
});
