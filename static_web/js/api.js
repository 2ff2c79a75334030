// HTTP client for the backend contract (README) and /.auth/me. fetch is injected so tests
// use a fake; every failure becomes an ApiError with status, code, message and field.

import { FIELDS, SERVER_FIELD_TO_FORM_FIELD } from './validation.js';

const NAMED_FIELDS = [...FIELDS, ...Object.keys(SERVER_FIELD_TO_FORM_FIELD)];

/** A failed API call, described well enough to show next to the right form field. */
export class ApiError extends Error {
  constructor({ status, code, message, field = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** The request field a server message names at its start ("cluster_name must ..."). */
export function fieldFromMessage(message, fields = FIELDS) {
  if (typeof message !== 'string') return null;
  const match = /^\s*([a-z_]+)\b/.exec(message);
  if (!match) return null;
  return fields.includes(match[1]) ? match[1] : null;
}

/** A non-empty string property of the error body, or null. */
const errorText = (error, name) => (typeof error?.[name] === 'string' && error[name] ? error[name] : null);

/** The field a refusal names: its explicit `field`, else (for a 400) the message's first word. */
function refusedField(status, error, message) {
  const named = errorText(error, 'field');
  if (named && NAMED_FIELDS.includes(named)) return named;
  return status === 400 ? fieldFromMessage(message) : null;
}

/** Build an ApiError from a response status and its (maybe missing) JSON body. */
export function apiErrorFrom(status, body) {
  const error = body && typeof body === 'object' ? body.error : null;
  const code = errorText(error, 'code') ?? `http_${status}`;
  const message = errorText(error, 'message') ?? `The request failed (HTTP ${status}).`;
  return new ApiError({ status, code, message, field: refusedField(status, error, message) });
}

/** A response body as JSON, or null when it is empty or not JSON (e.g. a proxy's HTML). */
async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A fresh Idempotency-Key (one per form submission). */
export function newIdempotencyKey(cryptoSource = globalThis.crypto) {
  if (cryptoSource && typeof cryptoSource.randomUUID === 'function') {
    return cryptoSource.randomUUID();
  }
  const bytes = new Uint8Array(16);
  cryptoSource.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const taskPath = (taskId, suffix = '') => `/api/tasks/${encodeURIComponent(taskId)}${suffix}`;

/** The API client; `fetch` is the only way it talks to the network. */
export function createApiClient({ fetch, baseUrl = '' }) {
  async function request(method, path, { body, headers = {}, signal } = {}) {
    const init = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json', ...headers },
    };
    if (signal) init.signal = signal;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`${baseUrl}${path}`, init);
    } catch (problem) {
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: `Could not reach the server (${problem?.message ?? 'network error'}).`,
      });
    }
    const parsed = await readJson(response);
    if (!response.ok) throw apiErrorFrom(response.status, parsed);
    return parsed;
  }

  return {
    /** Start an attempt; the same idempotencyKey returns the same task. */
    provision(body, { idempotencyKey } = {}) {
      const headers = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
      return request('POST', '/api/aks/provision', { body, headers });
    },
    /** Regions, VM sizes and Kubernetes versions offered in `region` (README). */
    options(region, { signal } = {}) {
      const query = new URLSearchParams({ region: String(region) });
      return request('GET', `/api/aks/options?${query}`, { signal });
    },
    /** Check a provision body against live Azure data; advice only, never starts anything. */
    preflight(body, { signal } = {}) {
      return request('POST', '/api/aks/preflight', { body, signal });
    },
    getTask(taskId) {
      return request('GET', taskPath(taskId));
    },
    cancel(taskId) {
      return request('POST', taskPath(taskId, '/cancel'));
    },
    dismiss(taskId) {
      return request('POST', taskPath(taskId, '/dismiss'));
    },
    deleteCluster(taskId) {
      return request('POST', taskPath(taskId, '/delete-cluster'));
    },
    recentFailedProvisions(hours = 24, limit = 1) {
      const query = new URLSearchParams({ hours: String(hours), limit: String(limit) });
      return request('GET', `/api/aks/recent-failed-provisions?${query}`);
    },
    history(limit = 10) {
      const query = new URLSearchParams({ limit: String(limit) });
      return request('GET', `/api/aks/provisions?${query}`);
    },
    /** Your clusters (README): `{clusters, degraded}`. */
    listClusters() {
      return request('GET', '/api/aks/clusters');
    },
    /** Start a lifecycle operation (`verb` stop/start/scale/upgrade/delete) on one cluster. */
    clusterOperation(resourceGroup, clusterName, verb, body) {
      const path = `/api/aks/clusters/${encodeURIComponent(resourceGroup)}/${encodeURIComponent(clusterName)}/${encodeURIComponent(verb)}`;
      return request('POST', path, body === undefined ? {} : { body });
    },
    /** The signed-in principal ({userId, userDetails, ...}) or null when nobody is. */
    async me() {
      const answer = await request('GET', '/.auth/me');
      const principal = answer && typeof answer === 'object' ? answer.clientPrincipal : null;
      return principal && typeof principal === 'object' ? principal : null;
    },
  };
}
