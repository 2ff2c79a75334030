import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError, createApiClient, fieldFromMessage, newIdempotencyKey } from '../js/api.js';

function fakeFetch(answers) {
  const calls = [];
  const queue = [...answers];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const next = queue.shift() ?? { status: 200, body: {} };
    if (next.throws) throw next.throws;
    const text = typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    return { ok: next.status >= 200 && next.status < 300, status: next.status, text: async () => text };
  };
  return { fetch, calls };
}

const body = {
  cluster_name: 'c1',
  resource_group: 'rg1',
  region: 'eastus',
  node_vm_size: 'Standard_D2s_v5',
  node_count: 1,
};

describe('api client requests', () => {
  test('provision POSTs the JSON body with the Idempotency-Key header', async () => {
    const { fetch, calls } = fakeFetch([{ status: 202, body: { task_id: 'T-1', status: 'queued' } }]);
    const answer = await createApiClient({ fetch }).provision(body, { idempotencyKey: 'key-1' });
    assert.equal(answer.task_id, 'T-1');
    assert.equal(calls[0].url, '/api/aks/provision');
    assert.equal(calls[0].init.method, 'POST');
    assert.equal(calls[0].init.headers['Idempotency-Key'], 'key-1');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(calls[0].init.body), body);
  });

  test('provision without a key sends no Idempotency-Key header', async () => {
    const { fetch, calls } = fakeFetch([{ status: 202, body: {} }]);
    await createApiClient({ fetch }).provision(body);
    assert.equal('Idempotency-Key' in calls[0].init.headers, false);
  });

  test('task endpoints use the contract paths with the id encoded', async () => {
    const { fetch, calls } = fakeFetch([]);
    const api = createApiClient({ fetch });
    await api.getTask('a/b');
    await api.cancel('T-1');
    await api.dismiss('T-1');
    await api.deleteCluster('T-1');
    assert.deepEqual(
      calls.map((c) => `${c.init.method} ${c.url}`),
      [
        'GET /api/tasks/a%2Fb',
        'POST /api/tasks/T-1/cancel',
        'POST /api/tasks/T-1/dismiss',
        'POST /api/tasks/T-1/delete-cluster',
      ],
    );
  });

  test('bodyless POSTs send no body and no content type; every call stays same-origin', async () => {
    const { fetch, calls } = fakeFetch([]);
    const api = createApiClient({ fetch });
    await api.cancel('T-1');
    await api.dismiss('T-1');
    await api.deleteCluster('T-1');
    await api.provision(body);
    for (const call of calls.slice(0, 3)) {
      assert.equal(call.init.body, undefined);
      assert.equal('Content-Type' in call.init.headers, false);
    }
    assert.equal(calls[3].init.headers['Content-Type'], 'application/json');
    assert.ok(calls.every((call) => call.init.credentials === 'same-origin'));
  });

  test('recent failures and history pass their bounds as query parameters', async () => {
    const { fetch, calls } = fakeFetch([]);
    const api = createApiClient({ fetch });
    await api.recentFailedProvisions(24, 1);
    await api.history(10);
    assert.equal(calls[0].url, '/api/aks/recent-failed-provisions?hours=24&limit=1');
    assert.equal(calls[1].url, '/api/aks/provisions?limit=10');
  });

  test('me returns the client principal from /.auth/me', async () => {
    const principal = { userId: 'u1', userDetails: 'dev', identityProvider: 'dev', userRoles: [] };
    const { fetch, calls } = fakeFetch([{ status: 200, body: { clientPrincipal: principal } }]);
    assert.deepEqual(await createApiClient({ fetch }).me(), principal);
    assert.equal(calls[0].url, '/.auth/me');
  });

  test('me returns null when nobody is signed in', async () => {
    const { fetch } = fakeFetch([{ status: 200, body: { clientPrincipal: null } }]);
    assert.equal(await createApiClient({ fetch }).me(), null);
  });
});

describe('api client errors', () => {
  test('a 400 names the field its message starts with', async () => {
    const message = 'cluster_name must match ^[a-zA-Z0-9]...';
    const { fetch } = fakeFetch([{ status: 400, body: { error: { code: 'invalid_request', message } } }]);
    const error = await createApiClient({ fetch }).provision(body).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.message, message);
    assert.equal(error.field, 'cluster_name');
  });

  test('an explicit error.field wins over the message', async () => {
    const { fetch } = fakeFetch([
      { status: 400, body: { error: { code: 'bad', message: 'something odd', field: 'node_count' } } },
    ]);
    const error = await createApiClient({ fetch }).provision(body).catch((e) => e);
    assert.equal(error.field, 'node_count');
  });

  test('a 400 whose message names no known field has no field', async () => {
    const { fetch } = fakeFetch([
      { status: 400, body: { error: { code: 'bad', message: 'unknown field: color' } } },
    ]);
    const error = await createApiClient({ fetch }).provision(body).catch((e) => e);
    assert.equal(error.field, null);
  });

  test('a 409 keeps its message and has no field', async () => {
    const message = 'cluster_name c1 already has an active attempt';
    const { fetch } = fakeFetch([{ status: 409, body: { error: { code: 'conflict', message } } }]);
    const error = await createApiClient({ fetch }).provision(body).catch((e) => e);
    assert.equal(error.status, 409);
    assert.equal(error.code, 'conflict');
    assert.equal(error.field, null);
  });

  test('a non-JSON error body still becomes an ApiError', async () => {
    const { fetch } = fakeFetch([{ status: 502, body: '<html>Bad gateway</html>' }]);
    const error = await createApiClient({ fetch }).getTask('T-1').catch((e) => e);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'http_502');
    assert.match(error.message, /502/);
  });

  test('a network failure becomes an ApiError with status 0', async () => {
    const { fetch } = fakeFetch([{ throws: new TypeError('Failed to fetch') }]);
    const error = await createApiClient({ fetch }).getTask('T-1').catch((e) => e);
    assert.equal(error.status, 0);
    assert.equal(error.code, 'network_error');
  });

  test('a 404 is reported as not found', async () => {
    const { fetch } = fakeFetch([
      { status: 404, body: { error: { code: 'not_found', message: 'task not found' } } },
    ]);
    const error = await createApiClient({ fetch }).getTask('T-9').catch((e) => e);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'not_found');
  });
});

describe('field extraction', () => {
  for (const field of ['cluster_name', 'resource_group', 'region', 'node_vm_size', 'node_count', 'kubernetes_version']) {
    test(`finds ${field} at the start of a message`, () => {
      assert.equal(fieldFromMessage(`${field} is invalid`), field);
    });
  }

  test('accepts a colon right after the field name', () => {
    assert.equal(fieldFromMessage('node_count: must be 1..100'), 'node_count');
  });

  test('ignores a field named later in the message', () => {
    assert.equal(fieldFromMessage('the value of cluster_name is bad'), null);
  });

  test('ignores a longer word that starts with a field name', () => {
    assert.equal(fieldFromMessage('regional outage'), null);
  });
});

describe('idempotency keys', () => {
  test('two submissions get different keys', () => {
    assert.notEqual(newIdempotencyKey(), newIdempotencyKey());
  });

  test('keys are printable ASCII of at most 200 characters, as the server requires', () => {
    for (const key of [newIdempotencyKey(), newIdempotencyKey({ getRandomValues: (b) => b })]) {
      assert.match(key, /^[\x20-\x7e]{1,200}$/);
    }
  });

  test('works without randomUUID', () => {
    const key = newIdempotencyKey({ getRandomValues: (bytes) => bytes.fill(171) });
    assert.equal(key, 'ab'.repeat(16));
  });
});

describe('options and preflight', () => {
  test('options GETs the chosen region with the abort signal', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { region: 'westus3' } }]);
    const signal = new AbortController().signal;
    const answer = await createApiClient({ fetch }).options('westus3', { signal });
    assert.equal(answer.region, 'westus3');
    assert.equal(calls[0].url, '/api/aks/options?region=westus3');
    assert.equal(calls[0].init.method, 'GET');
    assert.equal(calls[0].init.signal, signal);
  });

  test('preflight POSTs the provision body as JSON', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { ok: true, checks: [] } }]);
    const answer = await createApiClient({ fetch }).preflight(body);
    assert.equal(answer.ok, true);
    assert.equal(calls[0].url, '/api/aks/preflight');
    assert.equal(calls[0].init.method, 'POST');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(calls[0].init.body), body);
  });

  test('a 400 naming a workload pool field keeps that field', async () => {
    const { fetch } = fakeFetch([{ status: 400, body: { error: {
      code: 'invalid_request', message: 'user_pool.node_count is required', field: 'user_pool.node_count' } } }]);
    const error = await createApiClient({ fetch }).preflight(body).catch((problem) => problem);
    assert.equal(error.field, 'user_pool.node_count');
  });
});

describe('cluster parts: pools, guardrails, kubeconfig', () => {
  const cluster = { resource_group: 'rg one', name: 'web/1' };

  test('pool operations POST under …/pools with every segment encoded', async () => {
    const { fetch, calls } = fakeFetch([]);
    const api = createApiClient({ fetch });
    await api.clusterOperation(cluster, 'pools', { name: 'user1', vm_size: 'Standard_D2s_v5', node_count: 1 });
    await api.clusterOperation(cluster, ['pools', 'user 1', 'autoscale'], { min: 1, max: 3 });
    await api.clusterOperation(cluster, ['pools', 'user1', 'delete'], { confirm: 'user1' });
    assert.deepEqual(
      calls.map((c) => `${c.init.method} ${c.url}`),
      [
        'POST /api/aks/clusters/rg%20one/web%2F1/pools',
        'POST /api/aks/clusters/rg%20one/web%2F1/pools/user%201/autoscale',
        'POST /api/aks/clusters/rg%20one/web%2F1/pools/user1/delete',
      ],
    );
    assert.deepEqual(JSON.parse(calls[1].init.body), { min: 1, max: 3 });
  });

  test('guardrails are PUT as JSON; Extend POSTs its minutes', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { idle_stop_minutes: 30 } }, { status: 200, body: null }]);
    const api = createApiClient({ fetch });
    const body = { idle_stop_minutes: 30, schedule: null, expires_at: null };
    assert.deepEqual(await api.putGuardrails(cluster, body), { idle_stop_minutes: 30 });
    await api.extendGuardrails(cluster, 60);
    assert.equal(`${calls[0].init.method} ${calls[0].url}`, 'PUT /api/aks/clusters/rg%20one/web%2F1/guardrails');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(calls[0].init.body), body);
    assert.equal(`${calls[1].init.method} ${calls[1].url}`, 'POST /api/aks/clusters/rg%20one/web%2F1/guardrails/extend');
    assert.deepEqual(JSON.parse(calls[1].init.body), { minutes: 60 });
  });

  test("a 400 keeps the server's own field name, dotted or not; a 409 keeps its actions", async () => {
    const { fetch } = fakeFetch([
      { status: 400, body: { error: { code: 'invalid_request', message: 'schedule.timezone must be …', field: 'schedule.timezone' } } },
      { status: 409, body: { error: { code: 'quota_exceeded', message: 'No room', actions: [{ kind: 'link', label: 'Request quota increase', url: 'https://x' }], quota: {} } } },
    ]);
    const api = createApiClient({ fetch });
    const bad = await api.putGuardrails(cluster, { idle_stop_minutes: null, schedule: null, expires_at: null }).catch((e) => e);
    assert.equal(bad.serverField, 'schedule.timezone');
    assert.equal(bad.field, null); // not a Create form field
    const quota = await api.clusterOperation(cluster, 'pools', {}).catch((e) => e);
    assert.equal(quota.code, 'quota_exceeded');
    assert.deepEqual(quota.actions, [{ kind: 'link', label: 'Request quota increase', url: 'https://x' }]);
  });

  test('the kubeconfig is read as text; a 409 is an ApiError with the server message', async () => {
    const yaml = 'apiVersion: v1\nkind: Config\n';
    const { fetch, calls } = fakeFetch([
      { status: 200, body: yaml },
      { status: 409, body: { error: { code: 'local_accounts_enabled', message: 'This cluster has local accounts; its credential is a secret.' } } },
    ]);
    const api = createApiClient({ fetch });
    assert.equal(await api.kubeconfig(cluster), yaml);
    assert.equal(calls[0].url, '/api/aks/clusters/rg%20one/web%2F1/kubeconfig');
    assert.equal(calls[0].init.credentials, 'same-origin');
    const refused = await api.kubeconfig(cluster).catch((e) => e);
    assert.equal(refused.status, 409);
    assert.equal(refused.code, 'local_accounts_enabled');
    assert.equal(refused.message, 'This cluster has local accounts; its credential is a secret.');
  });
});
