// @ts-check
// Pure logic of a cluster's Node pools part (README.md, "What the dashboard does"): how a
// pool reads, which buttons it offers (Autoscale instead of Scale while its autoscaler is
// on), and the bodies of Add node pool, Scale, Autoscale and Delete pool — checked only with
// the server's own `limits` and VM sizes, never a copy of its rules. Whether pools may change
// now is the server's `node_pools` action.

import { nodesText, rowActions } from './clusters-model.js';
import { checkChoice, checkCount, checkText } from './validation.js';

/** @typedef {import('./contract.js').Cluster} Cluster */
/** @typedef {import('./contract.js').NodePool} NodePool */
/** @typedef {import('./contract.js').InputLimits} InputLimits */
/** @typedef {import('./clusters-model.js').Followed} Followed */
/**
 * A form's values checked: the request body, or a message per form field.
 * @template B
 * @typedef {{ok: true, body: B} | {ok: false, errors: Record<string, string>}} FormChecked
 */

/** What each pool button reads; its accessible name adds the pool and the cluster. */
export const POOL_BUTTON_LABELS = Object.freeze({ scale: 'Scale', autoscale: 'Autoscale', delete: 'Delete pool' });

/**
 * "autoscale 1–5" while the autoscaler sets the size, else "3 nodes".
 * @param {NodePool} pool
 */
export function poolSizeText(pool) {
  const auto = pool.autoscale;
  return auto ? `autoscale ${auto.min}–${auto.max}` : nodesText(pool.count);
}

/**
 * The pool's state: a change in progress (ARM's provisioning state) wins over its power state.
 * @param {NodePool} pool
 */
export function poolStateText(pool) {
  const provisioning = pool.provisioning_state ?? null;
  if (provisioning && provisioning !== 'Succeeded') return provisioning;
  return pool.power_state ?? provisioning ?? '';
}

/**
 * One pool's facts in reading order: mode, VM size, size, state.
 * @param {NodePool} pool
 */
export function poolFacts(pool) {
  return [pool.mode ?? '', pool.vm_size ?? '', poolSizeText(pool), poolStateText(pool)].filter(Boolean);
}

/**
 * Whether pools may change now: the server's `node_pools` action for this cluster (with its
 * reason when not), or null when the server offers none (then no pool button is shown).
 * @param {Cluster} cluster the cluster as listed
 * @param {Followed | null | undefined} followed
 * @returns {{enabled: boolean, reason: string | null} | null}
 */
export function poolsGate(cluster, followed) {
  const action = rowActions(cluster, followed ?? undefined).find((candidate) => candidate.kind === 'node_pools');
  return action ? { enabled: action.enabled, reason: action.reason } : null;
}

/**
 * @typedef {object} PoolButton
 * @property {'scale' | 'autoscale' | 'delete'} kind
 * @property {string} label
 * @property {string} name accessible name ("Delete pool user1 of web-1")
 * @property {boolean} enabled
 * @property {string | null} reason
 */

/**
 * A pool's buttons: Scale, Autoscale, Delete pool — a pool whose autoscaler is on offers
 * Autoscale (to change or turn it off) instead of Scale, since the server refuses to scale it.
 * @param {NodePool} pool
 * @param {Cluster} cluster
 * @param {{enabled: boolean, reason: string | null}} gate
 * @returns {PoolButton[]}
 */
export function poolButtons(pool, cluster, gate) {
  /** @type {('scale' | 'autoscale' | 'delete')[]} */
  const kinds = pool.autoscale ? ['autoscale', 'delete'] : ['scale', 'autoscale', 'delete'];
  return kinds.map((kind) => {
    const label = POOL_BUTTON_LABELS[kind];
    const name = kind === 'delete' ? `${label} ${pool.name} of ${cluster.name}` : `${label} pool ${pool.name} of ${cluster.name}`;
    return { kind, label, name, enabled: gate.enabled, reason: gate.enabled ? null : gate.reason };
  });
}

/**
 * A pool's counts are checked against the server's upper node bound only: a User pool may
 * have zero nodes, which the cluster's `limits.node_count` does not describe, so the lower
 * bound is left to the server (its 400 shows next to the field).
 * @param {InputLimits | null | undefined} limits
 */
const poolCountRange = (limits) => (typeof limits?.node_count?.max === 'number' ? { max: limits.node_count.max } : undefined);

/**
 * @param {Record<string, string | null>} found
 * @returns {Record<string, string>}
 */
function problems(found) {
  /** @type {Record<string, string>} */
  const errors = {};
  for (const [field, message] of Object.entries(found)) if (message) errors[field] = message;
  return errors;
}

/** @param {string} text */
const whole = (text) => Number(String(text).trim());

/**
 * @typedef {object} AddPoolValues
 * @property {string} name
 * @property {string} vm_size
 * @property {string} node_count
 * @property {boolean} autoscale
 * @property {string} min
 * @property {string} max
 */

/**
 * @typedef {{name: string, vm_size: string, node_count: number}
 *   | {name: string, vm_size: string, autoscale: {min: number, max: number}}} AddPoolBody
 */

/**
 * Add node pool: a name under the server's `pool_name` rule, one of the region's VM sizes,
 * and either a node count or the autoscaler's minimum and maximum.
 * @param {AddPoolValues} values
 * @param {InputLimits | null | undefined} limits
 * @param {string[]} sizes the VM sizes offered (empty while unknown: then any name goes)
 * @returns {FormChecked<AddPoolBody>}
 */
export function addPoolRequest(values, limits, sizes) {
  const range = poolCountRange(limits);
  const name = values.name.trim();
  const errors = problems({
    name: checkText(name, limits?.pool_name, 'Pool name'),
    vm_size: sizes.length ? checkChoice(values.vm_size, sizes, 'VM size') : checkText(values.vm_size, undefined, 'VM size'),
    node_count: values.autoscale ? null : checkCount(values.node_count, range, 'Node count'),
    min: values.autoscale ? checkCount(values.min, range, 'Minimum nodes') : null,
    max: values.autoscale ? checkCount(values.max, range, 'Maximum nodes') : null,
  });
  if (Object.keys(errors).length) return { ok: false, errors };
  const base = { name, vm_size: values.vm_size };
  return values.autoscale
    ? { ok: true, body: { ...base, autoscale: { min: whole(values.min), max: whole(values.max) } } }
    : { ok: true, body: { ...base, node_count: whole(values.node_count) } };
}

/**
 * @typedef {object} AutoscaleValues
 * @property {boolean} enabled
 * @property {string} min
 * @property {string} max
 * @property {string} node_count
 */

/**
 * Autoscale: `{min, max}` turns the autoscaler on (or changes it); off, the pool keeps the
 * node count given: `{enabled: false, node_count}`.
 * @param {AutoscaleValues} values
 * @param {InputLimits | null | undefined} limits
 * @returns {FormChecked<{min: number, max: number} | {enabled: false, node_count: number}>}
 */
export function autoscaleRequest(values, limits) {
  const range = poolCountRange(limits);
  const errors = values.enabled
    ? problems({ min: checkCount(values.min, range, 'Minimum nodes'), max: checkCount(values.max, range, 'Maximum nodes') })
    : problems({ node_count: checkCount(values.node_count, range, 'Node count') });
  if (Object.keys(errors).length) return { ok: false, errors };
  return values.enabled
    ? { ok: true, body: { min: whole(values.min), max: whole(values.max) } }
    : { ok: true, body: { enabled: false, node_count: whole(values.node_count) } };
}

/**
 * Scale one pool (the cluster's …/scale): its new node count.
 * @param {NodePool} pool
 * @param {{node_count: string}} values
 * @param {InputLimits | null | undefined} limits
 * @returns {FormChecked<{node_pool: string, node_count: number}>}
 */
export function scalePoolRequest(pool, values, limits) {
  const errors = problems({ node_count: checkCount(values.node_count, poolCountRange(limits), 'Node count') });
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, body: { node_pool: pool.name, node_count: whole(values.node_count) } };
}

/**
 * Delete pool: the pool's exact name, sent back as `confirm`.
 * @param {NodePool} pool
 * @param {{confirm: string}} values
 * @returns {FormChecked<{confirm: string}>}
 */
export function deletePoolRequest(pool, { confirm }) {
  if (confirm !== pool.name) return { ok: false, errors: { confirm: 'Type the pool name exactly to confirm.' } };
  return { ok: true, body: { confirm } };
}

/**
 * The form field a server 400 names (`autoscale.min` is Minimum nodes of Add node pool), or
 * null when it is none of `fields` (then the message shows above the fields).
 * @param {string | null | undefined} serverField
 * @param {string[]} fields the form's own field names
 */
export function poolFormField(serverField, fields) {
  if (!serverField) return null;
  const name = serverField === 'autoscale' ? 'min' : serverField.replace(/^autoscale\./, '');
  return fields.includes(name) ? name : null;
}
