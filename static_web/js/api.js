// @ts-check
// HTTP client for the backend contract (README.md, "The API") and /.auth/me. fetch is injected
// so tests use a fake; every failure becomes an ApiError with status, code, message and field.

import { FIELDS, SERVER_FIELD_TO_FORM_FIELD } from './validation.js';

/** @typedef {import('./contract.js').TaskDocument} TaskDocument */
/** @typedef {import('./contract.js').Cluster} Cluster */
/** @typedef {import('./contract.js').OptionsDocument} OptionsDocument */
/** @typedef {import('./contract.js').PreflightResult} PreflightResult */
/** @typedef {{task_id: string, status?: string, status_url?: string, cancel_url?: string}} Accepted */

const NAMED_FIELDS = [...FIELDS, ...Object.keys(SERVER_FIELD_TO_FORM_FIELD)];

/** A failed API call, described well enough to show next to the right form field. */
export class ApiError extends Error {
  /** @param {{status: number, code: string, message: string, field?: string | null}} details */
  constructor({ status, code, message, field = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * The request field a server message names at its start ("cluster_name must ...").
 * @param {unknown} message
 * @param {string[]} [fields]
 */
export function fieldFromMessage(message, fields = FIELDS) {
  if (typeof message !== 'string') return null;
  const match = /^\s*([a-z_]+)\b/.exec(message);
  if (!match) return null;
  return fields.includes(match[1]) ? match[1] : null;
}

/**
 * A non-empty string property of the error body, or null.
 * @param {any} error
 * @param {string} name
 * @returns {string | null}
 */
const errorText = (error, name) => (typeof error?.[name] === 'string' && error[name] ? error[name] : null);

/**
 * The field a refusal names: its explicit `field`, else (for a 400) the message's first word.
 * @param {number} status
 * @param {unknown} error
 * @param {string} message
 */
function refusedField(status, error, message) {
  const named = errorText(error, 'field');
  if (named && NAMED_FIELDS.includes(named)) return named;
  return status === 400 ? fieldFromMessage(message) : null;
}

/**
 * Build an ApiError from a response status and its (maybe missing) JSON body.
 * @param {number} status
 * @param {any} body
 */
export function apiErrorFrom(status, body) {
  const error = body && typeof body === 'object' ? body.error : null;
  const code = errorText(error, 'code') ?? `http_${status}`;
  const message = errorText(error, 'message') ?? `The request failed (HTTP ${status}).`;
  return new ApiError({ status, code, message, field: refusedField(status, error, message) });
}

/**
 * A response body as JSON, or null when it is empty or not JSON (e.g. a proxy's HTML).
 * @param {{text(): Promise<string>}} response
 */
async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * A fresh Idempotency-Key (one per form submission).
 * @param {Pick<Crypto, 'getRandomValues'> & {randomUUID?: () => string}} [cryptoSource]
 */
export function newIdempotencyKey(cryptoSource = globalThis.crypto) {
  if (cryptoSource && typeof cryptoSource.randomUUID === 'function') {
    return cryptoSource.randomUUID();
  }
  const bytes = new Uint8Array(16);
  cryptoSource.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @param {string} taskId
 * @param {string} [suffix]
 */
const taskPath = (taskId, suffix = '') => `/api/tasks/${encodeURIComponent(taskId)}${suffix}`;

/**
 * The path of one cluster's resource (`…/clusters/{rg}/{name}` plus `suffix`).
 * @param {{resource_group: string, name: string}} cluster
 * @param {string} [suffix]
 */
export const clusterPath = (cluster, suffix = '') =>
  `/api/aks/clusters/${encodeURIComponent(cluster.resource_group)}/${encodeURIComponent(cluster.name)}${suffix}`;

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 */

/**
 * The API client; `fetch` is the only way it talks to the network.
 * @param {{fetch: (url: string, init: RequestInit) => Promise<{ok: boolean, status: number, text(): Promise<string>}>, baseUrl?: string}} deps
 */
export function createApiClient({ fetch, baseUrl = '' }) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async function request(method, path, { body, headers = {}, signal } = {}) {
    /** @type {Record<string, string>} */
    const allHeaders = { Accept: 'application/json', ...headers };
    /** @type {RequestInit} */
    const init = { method, credentials: 'same-origin', cache: 'no-store', headers: allHeaders };
    if (signal) init.signal = signal;
    if (body !== undefined) {
      allHeaders['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`${baseUrl}${path}`, init);
    } catch (problem) {
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: `Could not reach the server (${/** @type {Error} */ (problem)?.message ?? 'network error'}).`,
      });
    }
    const parsed = await readJson(response);
    if (!response.ok) throw apiErrorFrom(response.status, parsed);
    return parsed;
  }

  return {
    /**
     * Start an attempt; the same idempotencyKey returns the same task.
     * @param {import('./validation.js').ProvisionBody} body
     * @param {{idempotencyKey?: string}} [options]
     * @returns {Promise<Accepted>}
     */
    provision(body, { idempotencyKey } = {}) {
      /** @type {Record<string, string>} */
      const headers = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
      return request('POST', '/api/aks/provision', { body, headers });
    },
    /**
     * Regions, VM sizes, Kubernetes versions and input limits offered in `region`.
     * @param {string} region
     * @param {{signal?: AbortSignal}} [options]
     * @returns {Promise<OptionsDocument>}
     */
    options(region, { signal } = {}) {
      const query = new URLSearchParams({ region: String(region) });
      return request('GET', `/api/aks/options?${query}`, { signal });
    },
    /**
     * Check a provision body against live Azure data; advice only, never starts anything.
     * @param {import('./validation.js').ProvisionBody} body
     * @param {{signal?: AbortSignal}} [options]
     * @returns {Promise<PreflightResult>}
     */
    preflight(body, { signal } = {}) {
      return request('POST', '/api/aks/preflight', { body, signal });
    },
    /**
     * @param {string} taskId
     * @returns {Promise<TaskDocument>}
     */
    getTask(taskId) {
      return request('GET', taskPath(taskId));
    },
    /** @param {string} taskId */
    cancel(taskId) {
      return request('POST', taskPath(taskId, '/cancel'));
    },
    /** @param {string} taskId */
    dismiss(taskId) {
      return request('POST', taskPath(taskId, '/dismiss'));
    },
    /**
     * Delete the partial cluster a failed or stopped attempt left behind.
     * @param {string} taskId
     * @returns {Promise<Accepted>}
     */
    deleteCluster(taskId) {
      return request('POST', taskPath(taskId, '/delete-cluster'));
    },
    /**
     * @param {number} [hours]
     * @param {number} [limit]
     * @returns {Promise<{jobs: TaskDocument[], degraded: boolean}>}
     */
    recentFailedProvisions(hours = 24, limit = 1) {
      const query = new URLSearchParams({ hours: String(hours), limit: String(limit) });
      return request('GET', `/api/aks/recent-failed-provisions?${query}`);
    },
    /**
     * The caller's operations, newest first.
     * @param {number} [limit]
     * @returns {Promise<{jobs: TaskDocument[]}>}
     */
    history(limit = 20) {
      const query = new URLSearchParams({ limit: String(limit) });
      return request('GET', `/api/aks/provisions?${query}`);
    },
    /**
     * Your clusters: `{clusters, degraded}`.
     * @returns {Promise<{clusters: Cluster[], degraded?: boolean}>}
     */
    listClusters() {
      return request('GET', '/api/aks/clusters');
    },
    /**
     * Start a lifecycle operation (`verb` stop/start/scale/upgrade/delete) on one cluster.
     * @param {{resource_group: string, name: string}} cluster
     * @param {string} verb
     * @param {unknown} [body]
     * @returns {Promise<Accepted>}
     */
    clusterOperation(cluster, verb, body) {
      const path = clusterPath(cluster, `/${encodeURIComponent(verb)}`);
      return request('POST', path, body === undefined ? {} : { body });
    },
    /**
     * The signed-in principal ({userId, userDetails, ...}) or null when nobody is.
     * @returns {Promise<{userId?: string, userDetails?: string} | null>}
     */
    async me() {
      const answer = await request('GET', '/.auth/me');
      const principal = answer && typeof answer === 'object' ? answer.clientPrincipal : null;
      return principal && typeof principal === 'object' ? principal : null;
    },
  };
}

/** @typedef {ReturnType<typeof createApiClient>} ApiClient */
