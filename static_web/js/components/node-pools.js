// @ts-check
// The details' Node pools part: each pool (name, mode, VM size, count or "autoscale 1–5",
// state) with Scale (or, while its autoscaler is on, only Autoscale), Autoscale and Delete
// pool, and Add node pool. Whether pools may change now is the server's `node_pools` action;
// its dialogs open over the details and, once the server accepts, focus moves to the line
// that follows the operation here (the row shows it too, in every tab).

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { progressLine } from '../clusters-model.js';
import { sizeChoices } from '../dialog-choices.js';
import {
  addPoolRequest,
  autoscaleRequest,
  deletePoolRequest,
  poolButtons,
  poolFacts,
  poolFormField,
  poolsGate,
  scalePoolRequest,
} from '../pool-model.js';
import { CheckField, FormProblem, InputField, SelectField, useSentForm } from './form-parts.js';
import { Modal } from './modal.js';
import { useApp } from './shared.js';

/** @typedef {import('../contract.js').Cluster} Cluster */
/** @typedef {import('../contract.js').NodePool} NodePool */
/** @typedef {import('../dashboard.js').Row} Row */
/** @typedef {{kind: 'add'} | {kind: 'scale' | 'autoscale' | 'delete', pool: NodePool}} PoolDialogState */

/**
 * @param {string} prefix
 * @returns {(field: string) => void}
 */
const focuser = (prefix) => (field) => document.getElementById(`${prefix}-${field}`)?.focus();

/**
 * The frame of a pool dialog: title, intro, the refusal, fields, Cancel and the submit button.
 * @param {object} props
 * @param {string} props.kind
 * @param {string} props.title
 * @param {any} props.intro
 * @param {string} props.submitLabel
 * @param {boolean} [props.danger]
 * @param {boolean} [props.canSubmit]
 * @param {{refusal: import('../form-refusal.js').Refusal | null, pending: boolean, submit: (event?: Event) => void}} props.form
 * @param {() => void} props.onClose
 * @param {{current: HTMLElement | null}} [props.initialFocus]
 * @param {any} props.children
 */
function PoolDialogFrame({ kind, title, intro, submitLabel, danger = false, canSubmit = true, form, onClose, initialFocus, children }) {
  const titleId = `pool-dialog-${kind}-title`;
  return html`<${Modal} titleId=${titleId} testId=${`pool-dialog-${kind}`} className="dialog dialog--narrow" onClose=${onClose}
      initialFocus=${initialFocus}>
    <form class="dialog__form" novalidate onSubmit=${form.submit} aria-busy=${form.pending ? 'true' : undefined}>
      <h2 class="dialog__title" id=${titleId}>${title}</h2>
      <p class="dialog__intro">${intro}</p>
      <${FormProblem} refusal=${form.refusal} testId="pool-dialog-problem" />
      <div class="dialog__fields dialog__fields--single">${children}</div>
      <div class="dialog__buttons">
        <button type="button" class="button button--quiet" onClick=${onClose}>Cancel</button>
        <button type="submit" class=${danger ? 'button button--danger' : 'button button--primary'}
          disabled=${form.pending || !canSubmit}>${submitLabel}</button>
      </div>
    </form>
  <//>`;
}

/**
 * @typedef {object} PoolDialogProps
 * @property {Cluster} cluster
 * @property {() => void} onClose
 * @property {() => void} onStarted the server accepted: close, and show the operation
 */

/** @param {PoolDialogProps} props */
function AddPoolDialog({ cluster, onClose, onStarted }) {
  const { dashboard } = useApp();
  const region = cluster.region || 'eastus';
  const options = dashboard.state.options.value.byRegion[region] ?? null;
  const limits = dashboard.limits.value;
  const choices = sizeChoices(options);
  const offered = (options?.vm_sizes ?? []).filter((size) => size.available).map((size) => size.name);
  const [values, setValues] = useState(() => ({
    name: '', vm_size: cluster.node_pools?.[0]?.vm_size ?? '', node_count: '1', autoscale: false, min: '1', max: '3',
  }));
  const first = useRef(/** @type {HTMLInputElement | null} */ (null));
  useEffect(() => {
    dashboard.loadOptions(region); // the region's sizes and the server's limits
  }, []);
  useEffect(() => {
    if (offered.length && !offered.includes(values.vm_size)) setValues((now) => ({ ...now, vm_size: offered[0] }));
  }, [options]);
  const form = useSentForm({
    check: () => addPoolRequest(values, limits, offered),
    send: (body) => dashboard.runOperation(cluster, 'pool_add', body, { focusRow: false }),
    toField: (field) => poolFormField(field, ['name', 'vm_size', 'node_count', 'min', 'max']),
    focusField: focuser('pool-add'),
    done: onStarted,
  });
  /**
   * @param {keyof typeof values} name
   * @returns {(value: any) => void}
   */
  const edit = (name) => (value) => {
    form.clearError(name);
    setValues((now) => ({ ...now, [name]: value }));
  };
  const lengthHint = typeof limits?.pool_name?.max_length === 'number' ? `Up to ${limits.pool_name.max_length} characters.` : null;
  return html`<${PoolDialogFrame} kind="add" title="Add node pool" submitLabel="Add" form=${form} onClose=${onClose}
      initialFocus=${first}
      intro=${`Add a User node pool to ${cluster.name} for your workloads.`}>
    <${InputField} id="pool-add-name" label="Pool name" value=${values.name} onValue=${edit('name')} error=${form.errors.name}
      hint=${lengthHint} inputRef=${first} />
    <${SelectField} id="pool-add-vm_size" label="VM size" value=${values.vm_size} onValue=${edit('vm_size')}
      choices=${choices.some((choice) => choice.value === values.vm_size) || !values.vm_size
        ? choices : [...choices, { value: values.vm_size, label: values.vm_size }]}
      error=${form.errors.vm_size} />
    <${CheckField} id="pool-add-autoscale" label="Autoscale" checked=${values.autoscale} onChecked=${edit('autoscale')}
      hint="Let AKS add and remove nodes between a minimum and a maximum." />
    ${values.autoscale
      ? html`<${InputField} id="pool-add-min" label="Minimum nodes" type="number" value=${values.min} onValue=${edit('min')}
            error=${form.errors.min} max=${limits?.node_count?.max} />
          <${InputField} id="pool-add-max" label="Maximum nodes" type="number" value=${values.max} onValue=${edit('max')}
            error=${form.errors.max} max=${limits?.node_count?.max} />`
      : html`<${InputField} id="pool-add-node_count" label="Node count" type="number" value=${values.node_count}
          onValue=${edit('node_count')} error=${form.errors.node_count} max=${limits?.node_count?.max} />`}
  <//>`;
}

/** @param {PoolDialogProps & {pool: NodePool}} props */
function ScalePoolDialog({ cluster, pool, onClose, onStarted }) {
  const { dashboard } = useApp();
  const limits = dashboard.limits.value;
  const [count, setCount] = useState(String(pool.count ?? ''));
  const first = useRef(/** @type {HTMLInputElement | null} */ (null));
  useEffect(() => {
    if (!dashboard.limits.peek()) dashboard.loadOptions(cluster.region || 'eastus');
  }, []);
  const form = useSentForm({
    check: () => scalePoolRequest(pool, { node_count: count }, limits),
    send: (body) => dashboard.runOperation(cluster, 'scale', body, { focusRow: false }),
    toField: (field) => poolFormField(field, ['node_count']),
    focusField: focuser('pool-scale'),
    done: onStarted,
  });
  return html`<${PoolDialogFrame} kind="scale" title="Scale node pool" submitLabel="Scale" form=${form} onClose=${onClose}
      initialFocus=${first} intro=${`Set how many nodes pool ${pool.name} of ${cluster.name} runs.`}>
    <${InputField} id="pool-scale-node_count" label="Node count" type="number" value=${count} inputRef=${first}
      onValue=${(/** @type {string} */ value) => { form.clearError('node_count'); setCount(value); }}
      error=${form.errors.node_count} max=${limits?.node_count?.max} />
  <//>`;
}

/** @param {PoolDialogProps & {pool: NodePool}} props */
function AutoscalePoolDialog({ cluster, pool, onClose, onStarted }) {
  const { dashboard } = useApp();
  const limits = dashboard.limits.value;
  const [values, setValues] = useState(() => ({
    enabled: true,
    min: String(pool.autoscale?.min ?? pool.count ?? ''),
    max: String(pool.autoscale?.max ?? ''),
    node_count: String(pool.count ?? ''),
  }));
  const first = useRef(/** @type {HTMLInputElement | null} */ (null));
  useEffect(() => {
    if (!dashboard.limits.peek()) dashboard.loadOptions(cluster.region || 'eastus');
  }, []);
  const form = useSentForm({
    check: () => autoscaleRequest(values, limits),
    send: (body) => dashboard.runOperation(cluster, 'pool_autoscale', body, { pool: pool.name, focusRow: false }),
    toField: (field) => poolFormField(field, ['min', 'max', 'node_count']),
    focusField: focuser('pool-autoscale'),
    done: onStarted,
  });
  /**
   * @param {keyof typeof values} name
   * @returns {(value: any) => void}
   */
  const edit = (name) => (value) => {
    form.clearError(name);
    setValues((now) => ({ ...now, [name]: value }));
  };
  const intro = pool.autoscale
    ? `The autoscaler keeps pool ${pool.name} of ${cluster.name} between ${pool.autoscale.min} and ${pool.autoscale.max} nodes. Change the range, or turn it off at a fixed count.`
    : `Let AKS size pool ${pool.name} of ${cluster.name} between a minimum and a maximum number of nodes.`;
  return html`<${PoolDialogFrame} kind="autoscale" title="Autoscale node pool" submitLabel="Save" form=${form}
      onClose=${onClose} initialFocus=${first} intro=${intro}>
    <${CheckField} id="pool-autoscale-enabled" label="Autoscale" checked=${values.enabled} onChecked=${edit('enabled')} />
    ${values.enabled
      ? html`<${InputField} id="pool-autoscale-min" label="Minimum nodes" type="number" value=${values.min} inputRef=${first}
            onValue=${edit('min')} error=${form.errors.min} max=${limits?.node_count?.max} />
          <${InputField} id="pool-autoscale-max" label="Maximum nodes" type="number" value=${values.max} onValue=${edit('max')}
            error=${form.errors.max} max=${limits?.node_count?.max} />`
      : html`<${InputField} id="pool-autoscale-node_count" label="Node count" type="number" value=${values.node_count}
          onValue=${edit('node_count')} error=${form.errors.node_count} max=${limits?.node_count?.max}
          hint="The autoscaler stops and the pool keeps this many nodes." />`}
  <//>`;
}

/** @param {PoolDialogProps & {pool: NodePool}} props */
function DeletePoolDialog({ cluster, pool, onClose, onStarted }) {
  const { dashboard } = useApp();
  const [typed, setTyped] = useState('');
  const first = useRef(/** @type {HTMLInputElement | null} */ (null));
  const form = useSentForm({
    check: () => deletePoolRequest(pool, { confirm: typed }),
    send: (body) => dashboard.runOperation(cluster, 'pool_delete', body, { pool: pool.name, focusRow: false }),
    toField: (field) => poolFormField(field, ['confirm']),
    focusField: focuser('pool-delete'),
    done: onStarted,
  });
  return html`<${PoolDialogFrame} kind="delete" title="Delete node pool" submitLabel="Delete" danger form=${form}
      onClose=${onClose} initialFocus=${first} canSubmit=${typed === pool.name}
      intro=${html`This deletes pool <strong>${pool.name}</strong> of ${cluster.name} and the workloads on its nodes.
        It cannot be undone.`}>
    <${InputField} id="pool-delete-confirm" label="Type the pool name to confirm" value=${typed} inputRef=${first}
      onValue=${(/** @type {string} */ value) => { form.clearError('confirm'); setTyped(value); }} error=${form.errors.confirm} />
  <//>`;
}

/**
 * An id safe inside aria-describedby.
 * @param {string} text
 */
const safeId = (text) => text.replace(/[^\w-]/g, (ch) => `_${ch.charCodeAt(0)}`);

/**
 * The Node pools part of a cluster's details.
 * @param {{cluster: Cluster, row: Row | null}} props
 */
export function NodePoolsPart({ cluster, row }) {
  const pools = cluster.node_pools ?? [];
  const gate = row ? poolsGate(row.listed, row.followed) : null;
  const [dialog, setDialog] = useState(/** @type {PoolDialogState | null} */ (null));
  const [showStatus, setShowStatus] = useState(false);
  const status = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    if (dialog === null && showStatus) {
      status.current?.focus();
      setShowStatus(false);
    }
  }, [dialog, showStatus]);
  const line = progressLine(cluster, row?.followed);
  const problem = row?.problem ?? null;
  const close = () => setDialog(null);
  const started = () => {
    setShowStatus(true);
    setDialog(null);
  };
  /** @param {PoolDialogState} next */
  const open = (next) => {
    if (gate?.enabled) setDialog(next);
  };
  const reasonId = `pools-reason-${safeId(cluster.name)}`;
  const disabled = gate && !gate.enabled ? { 'aria-disabled': 'true', 'aria-describedby': reasonId, title: gate.reason ?? undefined } : {};
  return html`<div class="pools" data-testid="node-pools">
    ${gate && !gate.enabled && gate.reason ? html`<p class="muted" id=${reasonId}>${gate.reason}</p>` : null}
    ${pools.length === 0
      ? html`<p class="muted">No node pools reported.</p>`
      : html`<ul class="pools__list">
          ${pools.map((pool) => html`<li class="pool" data-testid="node-pool" data-pool=${pool.name}>
            <div class="pool__what"><strong class="pool__name">${pool.name}</strong>
              <span class="muted pool__facts">${poolFacts(pool).join(' · ')}</span></div>
            ${gate
              ? html`<div class="pool__actions">
                  ${poolButtons(pool, cluster, gate).map((button) => html`<button type="button"
                    class=${`button button--small ${button.kind === 'delete' ? 'button--danger-outline' : 'button--quiet'}`}
                    aria-haspopup="dialog" aria-label=${button.name} ...${disabled}
                    onClick=${() => open({ kind: button.kind, pool })}>${button.label}</button>`)}
                </div>`
              : null}
          </li>`)}
        </ul>`}
    <div class=${line || problem ? 'pools__status' : 'pools__status pools__status--idle'} tabindex="-1" ref=${status}
      data-testid="pools-status">
      <p class="cluster-row__progress" role="status">${line}</p>
      ${problem ? html`<p class="pools__problem">${problem.message}</p>` : null}
    </div>
    ${gate
      ? html`<div><button type="button" class="button button--small" aria-haspopup="dialog" ...${disabled}
          onClick=${() => open({ kind: 'add' })}>Add node pool</button></div>`
      : null}
    ${dialog?.kind === 'add' ? html`<${AddPoolDialog} cluster=${cluster} onClose=${close} onStarted=${started} />` : null}
    ${dialog?.kind === 'scale' ? html`<${ScalePoolDialog} cluster=${cluster} pool=${dialog.pool} onClose=${close} onStarted=${started} />` : null}
    ${dialog?.kind === 'autoscale'
      ? html`<${AutoscalePoolDialog} cluster=${cluster} pool=${dialog.pool} onClose=${close} onStarted=${started} />`
      : null}
    ${dialog?.kind === 'delete' ? html`<${DeletePoolDialog} cluster=${cluster} pool=${dialog.pool} onClose=${close} onStarted=${started} />` : null}
  </div>`;
}
