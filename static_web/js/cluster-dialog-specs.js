// What the Scale, Upgrade and Delete dialogs ask for, as data: title, submit label, fields
// (built from the cluster) and the check that turns the values into the request body (the
// same rules the server applies, README).

import { confirmMatches } from './clusters-model.js';

export const MIN_NODES = 1;
export const MAX_NODES = 100;

/** Check the Scale dialog's values: `{ok, body}` or `{ok: false, field, message}`. */
export function scaleRequest(cluster, { node_pool: pool, node_count: count }) {
  const pools = (cluster.node_pools ?? []).map((p) => p.name);
  if (!pools.includes(pool)) return { ok: false, field: 'node_pool', message: 'Choose one of the cluster\'s node pools.' };
  const text = String(count ?? '').trim();
  const nodes = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(nodes) || nodes < MIN_NODES || nodes > MAX_NODES) {
    return { ok: false, field: 'node_count', message: `Node count must be a whole number from ${MIN_NODES} to ${MAX_NODES}.` };
  }
  return { ok: true, body: { node_pool: pool, node_count: nodes } };
}

/** Check the Upgrade dialog's value: one of the cluster's upgrades. */
export function upgradeRequest(cluster, { kubernetes_version: version }) {
  if (!(cluster.upgrades ?? []).includes(version)) {
    return { ok: false, field: 'kubernetes_version', message: 'Choose one of the offered versions.' };
  }
  return { ok: true, body: { kubernetes_version: version } };
}

/** Check the Delete dialog's value: the exact cluster name, sent back as `confirm`. */
export function deleteRequest(cluster, { confirm }) {
  if (!confirmMatches(confirm, cluster.name)) {
    return { ok: false, field: 'confirm', message: 'Type the cluster name exactly to confirm.' };
  }
  return { ok: true, body: { confirm } };
}

const poolChoice = (pool) => ({ value: pool.name, text: `${pool.name} (${pool.mode ?? 'pool'}, ${pool.count} ${pool.count === 1 ? 'node' : 'nodes'})` });

export const DIALOG_SPECS = Object.freeze({
  scale: {
    title: 'Scale cluster',
    submit: 'Scale',
    intro: (cluster) => `Set how many nodes a node pool of ${cluster.name} runs.`,
    fields: (cluster) => {
      const pools = cluster.node_pools ?? [];
      return [
        { name: 'node_pool', label: 'Node pool', kind: 'select', choices: pools.map(poolChoice), value: pools[0]?.name ?? '' },
        { name: 'node_count', label: 'Node count', kind: 'number', min: MIN_NODES, max: MAX_NODES, value: String(pools[0]?.count ?? MIN_NODES) },
      ];
    },
    // Choosing another pool starts from that pool's node count.
    linked: { node_pool: (cluster, values) => ({ node_count: String((cluster.node_pools ?? []).find((p) => p.name === values.node_pool)?.count ?? values.node_count) }) },
    check: scaleRequest,
  },
  upgrade: {
    title: 'Upgrade cluster',
    submit: 'Upgrade',
    intro: (cluster) => `Upgrade ${cluster.name} from Kubernetes ${cluster.kubernetes_version}. Nodes are replaced one at a time.`,
    fields: (cluster) => [
      { name: 'kubernetes_version', label: 'Kubernetes version', kind: 'select', choices: (cluster.upgrades ?? []).map((v) => ({ value: v, text: v })), value: cluster.upgrades?.[0] ?? '' },
    ],
    check: upgradeRequest,
  },
  delete: {
    title: 'Delete cluster',
    submit: 'Delete',
    danger: true,
    intro: (cluster) => `This deletes ${cluster.name} in ${cluster.resource_group} and everything running on it. It cannot be undone.`,
    fields: () => [{ name: 'confirm', label: 'Type the cluster name to confirm', kind: 'text', value: '' }],
    enabled: (cluster, values) => confirmMatches(values.confirm, cluster.name),
    check: deleteRequest,
  },
});
