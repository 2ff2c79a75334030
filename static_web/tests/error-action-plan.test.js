import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { snapshotFromTask } from '../js/failure-snapshot.js';
import { planErrorActions } from '../js/failure-presentation.js';
import { failedTask } from './fakes.js';

const PORTAL = 'https://portal.azure.com/#cluster';
const kinds = (plan) => plan.map((item) => item.as);
const quotaFailure = () => snapshotFromTask(failedTask());
const partialFailure = (actions = []) =>
  snapshotFromTask(
    failedTask({
      status: 'cancelled',
      error: { code: 'Cancelled', category: 'cancelled', message: 'Cancelled.', retryable: true, actions },
      progress: { cluster_seen: true, portal_url: PORTAL },
    }),
  );

describe('error action plan', () => {
  test('a quota failure offers its link, then Edit & retry when retry is possible', () => {
    const plan = planErrorActions(quotaFailure(), { canRetry: true });
    assert.deepEqual(kinds(plan), ['link', 'retry']);
    assert.equal(plan[0].label, 'Request quota increase');
    assert.equal(plan[1].label, 'Edit & retry');
  });

  test('a partial cluster gets the portal action, then one Delete partial cluster', () => {
    const plan = planErrorActions(partialFailure(), { extraPortalUrl: PORTAL });
    assert.deepEqual(kinds(plan), ['portal', 'delete']);
    assert.deepEqual(plan[0], { as: 'portal', label: 'Open cluster in Azure portal', url: PORTAL });
    assert.equal(plan[1].label, 'Delete partial cluster');
  });

  test('a partial cluster does not repeat the portal link or a delete_cluster action', () => {
    const plan = planErrorActions(
      partialFailure([
        { kind: 'portal', label: 'Open in portal', url: PORTAL },
        { kind: 'delete_cluster', label: 'Delete cluster', url: null },
      ]),
    );
    assert.deepEqual(kinds(plan), ['portal', 'delete']);
  });

  test('a delete_cluster action on another failure is the one delete button, with its label', () => {
    const snapshot = snapshotFromTask(
      failedTask({
        error: {
          code: 'X',
          category: 'conflict',
          message: 'm',
          retryable: false,
          actions: [{ kind: 'delete_cluster', label: 'Delete the cluster', url: null }],
        },
      }),
    );
    assert.deepEqual(planErrorActions(snapshot), [{ as: 'delete', label: 'Delete the cluster' }]);
  });

  test('an edit action is a button only where editing is possible, else text', () => {
    const snapshot = snapshotFromTask(
      failedTask({
        error: { code: 'X', category: 'sku', message: 'm', retryable: false, actions: [{ kind: 'edit', label: 'Choose another VM size', url: null }] },
      }),
    );
    assert.deepEqual(kinds(planErrorActions(snapshot, { canEdit: true })), ['edit']);
    assert.deepEqual(planErrorActions(snapshot), [{ as: 'text', label: 'Choose another VM size' }]);
  });

  test('a portal action without a safe URL is planned inert', () => {
    const plan = planErrorActions(partialFailure(), { extraPortalUrl: 'javascript:alert(1)' });
    assert.equal(plan[0].as, 'portal');
    assert.equal(plan[0].url, null);
  });

  test('a non-https action URL never becomes a link', () => {
    const snapshot = snapshotFromTask(
      failedTask({
        error: { code: 'X', category: 'quota', message: 'm', retryable: false, actions: [{ kind: 'link', label: 'Go', url: 'data:text/html,x' }] },
      }),
    );
    assert.deepEqual(planErrorActions(snapshot), [{ as: 'text', label: 'Go' }]);
  });

  test('a custom portal label is used', () => {
    const plan = planErrorActions(partialFailure(), { extraPortalUrl: PORTAL, extraPortalLabel: 'Check it' });
    assert.equal(plan[0].label, 'Check it');
  });
});
