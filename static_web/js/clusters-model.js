// @ts-check
// Pure logic of "Your clusters" (README.md, "What the dashboard does"): the state badge, the
// row's actions exactly as the server offers them, filtering, natural order, the count line
// and the row's progress, price and problem. Which action is allowed is never decided here.

import { describeAction } from './failure-presentation.js';
import { money } from './preflight-model.js';

/** @typedef {import('./contract.js').Cluster} Cluster */
/** @typedef {import('./contract.js').ClusterAction} ClusterAction */
/** @typedef {import('./contract.js').TaskDocument} TaskDocument */

/**
 * An operation this tab follows on a cluster, as its last poll described it.
 * @typedef {object} Followed
 * @property {string} taskId
 * @property {string} type
 * @property {string} status
 * @property {string | null} step
 * @property {number | null} [stepIndex]
 * @property {number | null} [totalSteps]
 */

/** @typedef {{message: string, actions: ReturnType<typeof describeAction>[]}} Problem */

/** @type {Readonly<Record<string, string>>} */
const BY_OPERATION = Object.freeze({
  aks_stop: 'Stopping', aks_start: 'Starting', aks_scale: 'Scaling', aks_upgrade: 'Upgrading',
  aks_delete: 'Deleting', aks_provision: 'Creating', aks_pool_add: 'Updating',
  aks_pool_delete: 'Updating', aks_pool_autoscale: 'Updating',
});
const KNOWN_STATES = new Set(['Creating', 'Updating', 'Upgrading', 'Scaling', 'Stopping', 'Starting', 'Deleting']);
const ACTIVE = new Set(['queued', 'running']);
const SETTLED = new Set(['Succeeded', 'Failed', 'Canceled']);

/** Every badge a row may show. */
export const BADGES = Object.freeze([
  'Running', 'Stopped', 'Creating', 'Updating', 'Upgrading', 'Scaling', 'Stopping',
  'Starting', 'Deleting', 'Failed', 'Canceled',
]);

/**
 * What each action kind reads as (its visible text); its accessible name adds the cluster.
 * @type {Readonly<Record<string, string>>}
 */
export const ACTION_LABELS = Object.freeze({
  connect: 'Connect', stop: 'Stop', start: 'Start', scale: 'Scale', upgrade: 'Upgrade',
  node_pools: 'Node pools', guardrails: 'Guardrails', delete: 'Delete',
});

/**
 * The operation of the product still running on this cluster, or null.
 * @param {Cluster} cluster
 */
export function activeOperation(cluster) {
  const op = cluster.operation;
  return op && ACTIVE.has(op.status) ? op : null;
}

/**
 * The state badge: the running operation's verb, else ARM's provisioning and power state.
 * @param {Cluster} cluster
 */
export function badgeFor(cluster) {
  const op = activeOperation(cluster);
  if (op && BY_OPERATION[op.type]) return BY_OPERATION[op.type];
  const state = cluster.provisioning_state;
  if (state === 'Failed' || state === 'Canceled') return state;
  if (state && !SETTLED.has(state)) return KNOWN_STATES.has(state) ? state : 'Updating';
  return cluster.power_state === 'Stopped' ? 'Stopped' : 'Running';
}

/**
 * True while the cluster (or an operation on it) is changing: the list keeps refreshing.
 * @param {Cluster} cluster
 */
export function isChanging(cluster) {
  if (activeOperation(cluster)) return true;
  return Boolean(cluster.provisioning_state) && !SETTLED.has(cluster.provisioning_state ?? '');
}

export const REFRESH_MS = 10_000;

/**
 * Refresh again in 10 s while anything is changing; null when nothing is (no polling).
 * @param {Cluster[]} clusters
 */
export function nextRefreshMs(clusters) {
  return clusters.some(isChanging) ? REFRESH_MS : null;
}

/**
 * One key per cluster (ARM names are case-insensitive), shared by the list and the tasks.
 * @param {{resource_group?: string, name?: string}} cluster
 */
export function clusterKey(cluster) {
  return `${String(cluster.resource_group ?? '').toLowerCase()}/${String(cluster.name ?? '').toLowerCase()}`;
}

/**
 * The key of the cluster a task is about.
 * @param {TaskDocument} task
 */
export function taskClusterKey(task) {
  return clusterKey({ resource_group: task.request?.resource_group, name: task.request?.cluster_name });
}

/**
 * The cluster as this tab knows it: an operation it follows overrides the list's (older) one.
 * @param {Cluster} cluster
 * @param {Followed | undefined} followed
 * @returns {Cluster}
 */
export function withFollowedOperation(cluster, followed) {
  if (!followed) return cluster;
  const { taskId, type, status, step } = followed;
  return { ...cluster, operation: { task_id: taskId, type, status, step } };
}

/**
 * The followed operation after a poll: its status and step from the task document.
 * @param {TaskDocument} task
 * @returns {Followed}
 */
export function followedFromTask(task) {
  const progress = task.progress ?? {};
  return {
    taskId: task.task_id,
    type: task.type ?? 'aks_provision',
    status: task.status ?? 'queued',
    step: progress.step ?? null,
    stepIndex: progress.step_index ?? null,
    totalSteps: progress.total_steps ?? null,
  };
}

/**
 * @typedef {object} RowAction
 * @property {string} kind
 * @property {string} label visible text ("Stop")
 * @property {string} name accessible name ("Stop web-1")
 * @property {boolean} enabled
 * @property {string | null} reason why it is disabled, shown as its description
 */

/**
 * The row's buttons: exactly the server's `actions`, in its order (kinds this dashboard does
 * not know are left out). While this tab follows an operation the list does not show yet,
 * every action waits for the list to catch up (the server then says why in `reason`).
 * @param {Cluster} cluster the cluster as the list gave it
 * @param {Followed | undefined} followed
 * @returns {RowAction[]}
 */
export function rowActions(cluster, followed) {
  const offered = Array.isArray(cluster.actions) ? cluster.actions : [];
  const pending = followed && ACTIVE.has(followed.status) && cluster.operation?.task_id !== followed.taskId;
  return offered
    .filter((action) => Object.hasOwn(ACTION_LABELS, action.kind))
    .map((action) => {
      const label = ACTION_LABELS[action.kind];
      const enabled = action.enabled === true && !pending;
      const reason = pending
        ? `${BY_OPERATION[followed.type] ?? 'An operation'} has just started.`
        : action.enabled === true
          ? null
          : (action.reason ?? null);
      return { kind: action.kind, label, name: `${label} ${cluster.name}`, enabled, reason };
    });
}

const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Clusters sorted by name in natural order (web-2 before web-10), then by resource group.
 * @param {Cluster[]} clusters
 */
export function sortClusters(clusters) {
  return [...clusters].sort(
    (a, b) => naturalOrder.compare(a.name, b.name) || naturalOrder.compare(a.resource_group, b.resource_group),
  );
}

/**
 * The words a filter matches against: name, resource group, region and state badge.
 * @param {Cluster} cluster
 */
export function filterText(cluster) {
  return [cluster.name, cluster.resource_group, cluster.region ?? '', badgeFor(cluster)].join('\n').toLowerCase();
}

/**
 * Whether a cluster matches the filter: every word typed appears in its name, resource
 * group, region or state.
 * @param {string} haystack the cluster's filterText
 * @param {string} filter what the user typed
 */
export function matchesFilter(haystack, filter) {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((word) => haystack.includes(word));
}

/**
 * The count line: "3 of 12 clusters".
 * @param {number} shown
 * @param {number} total
 */
export function countLine(shown, total) {
  return `${shown} of ${total} ${total === 1 ? 'cluster' : 'clusters'}`;
}

/**
 * "≈ $0.38/hr" from the cluster's cost, or '' when the server gave no price.
 * @param {Cluster} cluster
 */
export function pricePerHour(cluster) {
  const perHour = cluster.cost?.per_hour;
  return typeof perHour === 'number' && Number.isFinite(perHour) ? `≈ ${money(perHour)}/hr` : '';
}

/**
 * The row's progress line while an operation runs ("Stopping — Step 2 of 4: …"), else ''.
 * @param {Cluster} cluster the cluster with any followed operation laid over
 * @param {Followed | null | undefined} followed
 */
export function progressLine(cluster, followed) {
  const op = activeOperation(cluster);
  if (!op) return '';
  const parts = [BY_OPERATION[op.type] ?? 'Working'];
  const stepIndex = followed?.stepIndex;
  const totalSteps = followed?.totalSteps;
  if (typeof stepIndex === 'number' && typeof totalSteps === 'number' && stepIndex >= 1 && totalSteps >= 1) {
    parts.push(`Step ${Math.min(stepIndex, totalSteps)} of ${totalSteps}`);
  }
  const step = op.step || (op.status === 'queued' ? 'Queued' : '');
  return step ? `${parts.join(' — ')}: ${step}` : parts.join(' — ');
}

/**
 * "3 nodes", or '' when the count is unknown.
 * @param {number | undefined} count
 */
export function nodesText(count) {
  return typeof count === 'number' && Number.isInteger(count) ? `${count} ${count === 1 ? 'node' : 'nodes'}` : '';
}

/**
 * A problem the row shows: a failed task's classified error or a refused request.
 * @param {{message?: unknown, actions?: unknown}} details
 * @returns {Problem}
 */
export function rowProblem({ message, actions = [] }) {
  return {
    message: typeof message === 'string' && message ? message : 'The operation failed.',
    actions: Array.isArray(actions) ? actions.map(describeAction).filter((action) => action.label) : [],
  };
}

/**
 * The problem of a finished task, or null when it did not fail.
 * @param {TaskDocument} task
 */
export function problemFromTask(task) {
  if (task.status !== 'failed') return null;
  const error = task.error ?? null;
  return rowProblem({ message: error?.message, actions: error?.actions });
}

/**
 * The note above the list: why it may be stale or empty, or ''.
 * @param {{loaded: boolean, degraded: boolean, unavailable: boolean, clusters: Cluster[]}} list
 */
export function listNote({ loaded, degraded, unavailable, clusters }) {
  if (degraded || unavailable) return 'Cluster states could not be refreshed just now; showing the last list.';
  if (loaded && clusters.length === 0) return 'No clusters yet. Clusters you create here appear in this list.';
  return '';
}

const LIFECYCLE_TYPES = new Set(['aks_stop', 'aks_start', 'aks_scale', 'aks_upgrade', 'aks_delete']);

/**
 * The failure of each cluster's newest task, from the attempt history (newest first), so a
 * reload or another device still shows it; a later task on the cluster, of any type, clears it.
 * Create failures are left to the "Last attempt failed" banner.
 * @param {TaskDocument[]} jobs
 * @returns {Record<string, Problem>}
 */
export function recordedProblems(jobs) {
  const seen = new Set();
  /** @type {Record<string, Problem>} */
  const problems = {};
  for (const job of jobs) {
    const key = taskClusterKey(job);
    if (seen.has(key)) continue;
    seen.add(key);
    const problem = LIFECYCLE_TYPES.has(job.type ?? '') ? problemFromTask(job) : null;
    if (problem) problems[key] = problem;
  }
  return problems;
}
