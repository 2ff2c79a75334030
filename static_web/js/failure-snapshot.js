// @ts-check
// The "last failed attempt" snapshot: its versioned shape, validation and how it is built
// from a task document or a recent-failures row. Pure: no DOM, no storage.

/** @typedef {import('./contract.js').TaskDocument} TaskDocument */

/**
 * @typedef {object} SnapshotAction
 * @property {string} kind
 * @property {string} label
 * @property {string | null} url
 */

/**
 * @typedef {object} SnapshotError
 * @property {string} code
 * @property {string} category
 * @property {string} message
 * @property {boolean} retryable
 * @property {SnapshotAction[]} actions
 */

/**
 * The value stored under elb_last_failed_provision_v1 (its shape is fixed: version 1).
 * @typedef {object} Snapshot
 * @property {number} v
 * @property {string} task_id
 * @property {string} when
 * @property {string} cluster_name
 * @property {string} resource_group
 * @property {string} region
 * @property {string} node_vm_size
 * @property {number | null} node_count
 * @property {string} kubernetes_version
 * @property {string} status
 * @property {SnapshotError | null} error
 * @property {{cluster_seen: boolean, portal_url: string | null}} progress
 * @property {string} saved_at
 */

export const SNAPSHOT_VERSION = 1;
export const MAX_MESSAGE_CHARS = 4096;
const MAX_SHORT_CHARS = 256;
const MAX_ACTIONS = 10;
const SAVED_STATUSES = new Set(['failed', 'cancelled']);

/**
 * @param {unknown} value
 * @returns {value is Record<string, any>}
 */
const isPlainObject = (value) =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** @param {unknown} value */
const shortString = (value) =>
  typeof value === 'string' && value.length <= MAX_SHORT_CHARS ? value : null;

/**
 * Milliseconds since the epoch of an ISO timestamp, or null when it does not parse.
 * @param {unknown} value
 */
export function timestampMs(value) {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * @param {unknown} raw
 * @returns {SnapshotAction | null}
 */
function normalizeAction(raw) {
  if (!isPlainObject(raw)) return null;
  const kind = shortString(raw.kind);
  const label = shortString(raw.label);
  if (!kind || !label) return null;
  const url = typeof raw.url === 'string' && raw.url.length <= 2048 ? raw.url : null;
  return { kind, label, url };
}

/**
 * The error, null when there is none, undefined when it is malformed.
 * @param {unknown} raw
 * @returns {SnapshotError | null | undefined}
 */
function normalizeError(raw) {
  if (raw === null || raw === undefined) return null;
  if (!isPlainObject(raw)) return undefined;
  const { code, category, message } = raw;
  if (typeof code !== 'string' || typeof category !== 'string' || typeof message !== 'string') {
    return undefined;
  }
  const actions = Array.isArray(raw.actions)
    ? raw.actions
        .slice(0, MAX_ACTIONS)
        .map(normalizeAction)
        .filter(/** @returns {a is SnapshotAction} */ (a) => a !== null)
    : [];
  return {
    code: code.slice(0, MAX_SHORT_CHARS),
    category: category.slice(0, MAX_SHORT_CHARS),
    message: message.slice(0, MAX_MESSAGE_CHARS),
    retryable: raw.retryable === true,
    actions,
  };
}

/**
 * The progress a snapshot keeps: whether the cluster was seen, and its portal link.
 * @param {unknown} raw
 */
function normalizeProgress(raw) {
  const progress = isPlainObject(raw) ? raw : {};
  const url = progress.portal_url;
  return {
    cluster_seen: progress.cluster_seen === true,
    portal_url: typeof url === 'string' && url.length <= 2048 ? url : null,
  };
}

/**
 * The identifying fields, or null when one is missing, mistyped or not a saved status.
 * @param {Record<string, any>} value
 */
function requiredFields(value) {
  const taskId = shortString(value.task_id);
  const clusterName = shortString(value.cluster_name);
  const resourceGroup = shortString(value.resource_group);
  const status = shortString(value.status);
  if (!taskId || clusterName === null || resourceGroup === null) return null;
  if (!status || !SAVED_STATUSES.has(status)) return null;
  if (timestampMs(value.when) === null) return null;
  return { task_id: taskId, when: value.when, cluster_name: clusterName, resource_group: resourceGroup, status };
}

/**
 * A clean copy of a snapshot, or null when the value is not a snapshot this version
 * understands (wrong version, missing or mistyped fields).
 * @param {unknown} value
 * @returns {Snapshot | null}
 */
export function normalizeSnapshot(value) {
  if (!isPlainObject(value) || value.v !== SNAPSHOT_VERSION) return null;
  const required = requiredFields(value);
  if (required === null) return null;
  const error = normalizeError(value.error);
  if (error === undefined) return null;
  return {
    v: SNAPSHOT_VERSION,
    task_id: required.task_id,
    when: required.when,
    cluster_name: required.cluster_name,
    resource_group: required.resource_group,
    region: shortString(value.region) ?? '',
    node_vm_size: shortString(value.node_vm_size) ?? '',
    node_count: Number.isInteger(value.node_count) ? value.node_count : null,
    kubernetes_version: shortString(value.kubernetes_version) ?? '',
    status: required.status,
    error,
    progress: normalizeProgress(value.progress),
    saved_at: timestampMs(value.saved_at) === null ? value.when : value.saved_at,
  };
}

/**
 * When a task or row last changed: updated_at, else created_at (ISO string or null).
 * @param {unknown} task
 * @returns {string | null}
 */
export function failureTime(task) {
  if (!isPlainObject(task)) return null;
  if (timestampMs(task.updated_at) !== null) return task.updated_at;
  if (timestampMs(task.created_at) !== null) return task.created_at;
  return null;
}

/**
 * Whether a finished task is a failure the user should be told about on every device.
 * @param {unknown} task
 */
export function isReportableFailure(task) {
  if (!isPlainObject(task)) return false;
  if (task.status === 'failed') return true;
  return task.status === 'cancelled' && task.progress?.cluster_seen === true;
}

/**
 * Build a snapshot from a task document or a recent-failures row; null when it is not one.
 * @param {unknown} task
 * @param {Date} [now]
 */
export function snapshotFromTask(task, now = new Date()) {
  if (!isPlainObject(task)) return null;
  const request = isPlainObject(task.request) ? task.request : {};
  const progress = isPlainObject(task.progress) ? task.progress : {};
  let error = task.error ?? null;
  if (error === null && task.status === 'cancelled') {
    error = {
      code: 'Cancelled',
      category: 'cancelled',
      message: 'The attempt was cancelled before it finished.',
      retryable: true,
      actions: [],
    };
  }
  return normalizeSnapshot({
    v: SNAPSHOT_VERSION,
    task_id: task.task_id,
    when: failureTime(task),
    cluster_name: request.cluster_name,
    resource_group: request.resource_group,
    region: request.region ?? '',
    node_vm_size: request.node_vm_size ?? '',
    node_count: request.node_count ?? null,
    kubernetes_version: request.kubernetes_version ?? '',
    status: task.status,
    error,
    progress: { cluster_seen: progress.cluster_seen === true, portal_url: progress.portal_url },
    saved_at: now.toISOString(),
  });
}

/**
 * The form values an Edit & retry starts from.
 * @param {Snapshot} snapshot
 */
export function requestFromSnapshot(snapshot) {
  return {
    cluster_name: snapshot.cluster_name,
    resource_group: snapshot.resource_group,
    region: snapshot.region,
    node_vm_size: snapshot.node_vm_size,
    node_count: snapshot.node_count ?? 1,
    kubernetes_version: snapshot.kubernetes_version,
  };
}

/**
 * Whether two snapshots would render the same (ignores when it was saved).
 * @param {Snapshot | null} a
 * @param {Snapshot | null} b
 */
export function sameSnapshot(a, b) {
  if (a === null || b === null) return a === b;
  /** @param {Snapshot} snapshot */
  const strip = ({ saved_at: _ignored, ...rest }) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/**
 * True when a finished task is for the same resource group + cluster name as the snapshot.
 * Azure names are case-insensitive. A success resolves only a failure of the same cluster,
 * exactly as the server does, so a success elsewhere never hides a failure that still needs
 * attention (and the banner never comes back on reload).
 * @param {Snapshot | null} snapshot
 * @param {TaskDocument} task
 */
export function isSameCluster(snapshot, task) {
  if (!snapshot || !task?.request) return false;
  /** @param {unknown} value */
  const lower = (value) => String(value ?? '').toLowerCase();
  return (
    lower(snapshot.resource_group) === lower(task.request.resource_group) &&
    lower(snapshot.cluster_name) === lower(task.request.cluster_name)
  );
}

/**
 * Whether a successful create makes the saved failure moot, exactly as the server resolves
 * it: the same cluster, or an Edit & retry of that very attempt (`retry_of`) under any name.
 * @param {Snapshot | null} snapshot
 * @param {TaskDocument} task
 */
export function successResolves(snapshot, task) {
  if (!snapshot) return false;
  return isSameCluster(snapshot, task) || task.request?.retry_of === snapshot.task_id;
}
