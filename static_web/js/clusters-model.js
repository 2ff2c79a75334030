// Pure logic of the "Your clusters" section (DESIGN §13/§15): the state badge, which actions
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
