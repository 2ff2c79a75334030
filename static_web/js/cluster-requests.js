// @ts-check
// The request bodies of the row's dialogs (Scale, Upgrade, Delete), checked with the server's
// own `limits` and the cluster document's `upgrades` and `node_pools` — never a copy of them.

import { checkCount } from './validation.js';

/** @typedef {import('./contract.js').Cluster} Cluster */
/** @typedef {import('./contract.js').InputLimits} InputLimits */
/**
 * @template B
 * @typedef {{ok: true, body: B} | {ok: false, field: string, message: string}} Checked
 */

/**
 * The Delete dialog's button is enabled only when the typed text is exactly the name.
 * @param {unknown} typed
 * @param {string} clusterName
 */
export function confirmMatches(typed, clusterName) {
  return typeof typed === 'string' && clusterName.length > 0 && typed === clusterName;
}

/**
 * Check the Scale dialog's values against the cluster's pools and the server's node limits.
 * @param {Cluster} cluster
 * @param {{node_pool: string, node_count: string}} values
 * @param {InputLimits | null} limits
 * @returns {Checked<{node_pool: string, node_count: number}>}
 */
export function scaleRequest(cluster, values, limits) {
  const pools = (cluster.node_pools ?? []).map((pool) => pool.name);
  if (!pools.includes(values.node_pool)) {
    return { ok: false, field: 'node_pool', message: "Choose one of the cluster's node pools." };
  }
  const problem = checkCount(values.node_count, limits?.node_count, 'Node count');
  if (problem) return { ok: false, field: 'node_count', message: problem };
  return { ok: true, body: { node_pool: values.node_pool, node_count: Number(values.node_count.trim()) } };
}

/**
 * Check the Upgrade dialog's value: one of the versions the server offers this cluster.
 * @param {Cluster} cluster
 * @param {{kubernetes_version: string}} values
 * @returns {Checked<{kubernetes_version: string}>}
 */
export function upgradeRequest(cluster, { kubernetes_version: version }) {
  if (!(cluster.upgrades ?? []).includes(version)) {
    return { ok: false, field: 'kubernetes_version', message: 'Choose one of the offered versions.' };
  }
  return { ok: true, body: { kubernetes_version: version } };
}

/**
 * Check the Delete dialog's value: the exact cluster name, sent back as `confirm`.
 * @param {Cluster} cluster
 * @param {{confirm: string}} values
 * @returns {Checked<{confirm: string}>}
 */
export function deleteRequest(cluster, { confirm }) {
  if (!confirmMatches(confirm, cluster.name)) {
    return { ok: false, field: 'confirm', message: 'Type the cluster name exactly to confirm.' };
  }
  return { ok: true, body: { confirm } };
}
