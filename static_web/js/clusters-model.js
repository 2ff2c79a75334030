// Pure logic of the "Your clusters" section (README/§15): the state badge, which actions
// a row offers, type-to-confirm, and whether the list must keep refreshing.

export const BADGES = Object.freeze([
  'Running', 'Stopped', 'Creating', 'Updating', 'Upgrading', 'Scaling', 'Stopping',
  'Starting', 'Deleting', 'Failed',
]);

const BY_OPERATION = { aks_stop: 'Stopping', aks_start: 'Starting', aks_scale: 'Scaling',
  aks_upgrade: 'Upgrading', aks_delete: 'Deleting', aks_provision: 'Creating' };
const ACTIVE = new Set(['queued', 'running']);
const SETTLED = new Set(['Succeeded', 'Failed', 'Canceled']);

/** The operation of the product still running on this cluster, or null. */
export function activeOperation(cluster) {
  const op = cluster && cluster.operation;
  return op && ACTIVE.has(op.status) ? op : null;
}

/** The state badge: the running operation's verb, else ARM's state and power. */
export function badgeFor(cluster) {
  const op = activeOperation(cluster);
  if (op && BY_OPERATION[op.type]) return BY_OPERATION[op.type];
  const state = cluster.provisioning_state;
  if (state === 'Failed') return 'Failed';
  if (state && !SETTLED.has(state)) {
    return BADGES.includes(state) ? state : 'Updating';
  }
  return cluster.power_state === 'Stopped' ? 'Stopped' : 'Running';
}

/** True while the cluster (or an operation on it) is changing: the list keeps refreshing. */
export function isChanging(cluster) {
  if (activeOperation(cluster)) return true;
  return Boolean(cluster.provisioning_state) && !SETTLED.has(cluster.provisioning_state);
}

/** The buttons a row shows, and whether each is enabled (all off while an operation runs). */
export function actionsFor(cluster) {
  const busy = isChanging(cluster);
  const stopped = cluster.power_state === 'Stopped';
  const actions = [
    stopped ? { name: 'Start', enabled: !busy } : { name: 'Stop', enabled: !busy },
    { name: 'Scale', enabled: !busy && !stopped },
  ];
  if (Array.isArray(cluster.upgrades) && cluster.upgrades.length > 0) {
    actions.push({ name: 'Upgrade', enabled: !busy && !stopped });
  }
  actions.push({ name: 'Delete', enabled: badgeFor(cluster) !== 'Deleting' && !activeOperation(cluster) });
  return actions;
}

/** The Delete dialog's button is enabled only when the typed text is the cluster's name. */
export function confirmMatches(typed, clusterName) {
  return typeof typed === 'string' && typed === clusterName && clusterName.length > 0;
}

export const REFRESH_MS = 10_000;

/** Refresh again in 10 s while anything is changing; null when nothing is (no polling). */
export function nextRefreshMs(clusters) {
  return (clusters || []).some(isChanging) ? REFRESH_MS : null;
}

// ---- Rows, operations and dialogs (the section's data, kept apart from its DOM) ----

/** How each row button runs: the POST verb, and the dialog that asks for its body (or none). */
export const OPERATIONS = Object.freeze({
  Stop: { verb: 'stop', type: 'aks_stop', dialog: null },
  Start: { verb: 'start', type: 'aks_start', dialog: null },
  Scale: { verb: 'scale', type: 'aks_scale', dialog: 'scale' },
  Upgrade: { verb: 'upgrade', type: 'aks_upgrade', dialog: 'upgrade' },
  Delete: { verb: 'delete', type: 'aks_delete', dialog: 'delete' },
});

/** One key per cluster (ARM names are case-insensitive), shared by the list and the tasks. */
export function clusterKey(cluster) {
  return `${String(cluster.resource_group ?? '').toLowerCase()}/${String(cluster.name ?? '').toLowerCase()}`;
}

/** The cluster as this tab knows it: an operation it follows overrides the list's (older) one. */
export function withFollowedOperation(cluster, followed) {
  if (!followed) return cluster;
  const { taskId, type, status, step } = followed;
  return { ...cluster, operation: { task_id: taskId, type, status, step } };
}

/** The followed operation after a poll: its status and step from the task document. */
export function followedFromTask(task) {
  const progress = task.progress ?? {};
  return {
    taskId: task.task_id,
    type: task.type,
    status: task.status,
    step: progress.step ?? null,
    stepIndex: progress.step_index ?? null,
    totalSteps: progress.total_steps ?? null,
  };
}

/** The row's progress line while an operation runs ("Stopping — Step 2 of 4: …"), else ''. */
export function progressLine(cluster, followed = null) {
  const op = activeOperation(cluster);
  if (!op) return '';
  const parts = [BY_OPERATION[op.type] ?? 'Working'];
  const { stepIndex, totalSteps } = followed ?? {};
  if (Number.isInteger(stepIndex) && Number.isInteger(totalSteps) && stepIndex >= 1 && totalSteps >= 1) {
    parts.push(`Step ${Math.min(stepIndex, totalSteps)} of ${totalSteps}`);
  }
  const step = op.step || (op.status === 'queued' ? 'Queued' : '');
  return step ? `${parts.join(' — ')}: ${step}` : parts.join(' — ');
}

/** The facts a row lists, as [label, value] pairs (empty values left out). */
export function rowFacts(cluster) {
  const nodes = Number.isInteger(cluster.node_count) ? `${cluster.node_count} ${cluster.node_count === 1 ? 'node' : 'nodes'}` : '';
  return [
    ['Resource group', cluster.resource_group],
    ['Region', cluster.region],
    ['Kubernetes', cluster.kubernetes_version],
    ['Nodes', nodes],
  ].filter(([, value]) => value !== undefined && value !== null && value !== '');
}

/** A problem the row shows: a failed task's classified error or a refused request. */
export function rowProblem({ message, actions = [] }) {
  return {
    message: typeof message === 'string' && message ? message : 'The operation failed.',
    actions: Array.isArray(actions) ? actions : [],
  };
}

/** The problem of a finished task, or null when it did not fail. */
export function problemFromTask(task) {
  if (task.status !== 'failed') return null;
  const error = task.error ?? {};
  return rowProblem({ message: error.message, actions: error.actions });
}

/** The note above the list: why it may be stale or empty, or ''. */
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
 */
export function recordedProblems(jobs) {
  const seen = new Set();
  const problems = {};
  for (const job of jobs ?? []) {
    const key = clusterKey({ resource_group: job.request?.resource_group, name: job.request?.cluster_name });
    if (seen.has(key)) continue;
    seen.add(key);
    const problem = LIFECYCLE_TYPES.has(job.type) ? problemFromTask(job) : null;
    if (problem) problems[key] = problem;
  }
  return problems;
}

/** The problem a row shows: this tab's own first, else the recorded one while nothing runs. */
export function problemFor(cluster, ownProblem, recordedProblem) {
  if (ownProblem) return ownProblem;
  return activeOperation(cluster) ? null : recordedProblem ?? null;
}
