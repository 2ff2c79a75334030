// @ts-check
// The dialogs a row's actions open — Stop cluster, Delete cluster (type the name to confirm),
// Scale cluster, Upgrade cluster, Connect to <cluster> — and the banner's Delete partial
// cluster confirmation. A refusal from the server shows inside the dialog.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { clusterPath } from '../api.js';
import { confirmMatches, deleteRequest, scaleRequest, upgradeRequest } from '../cluster-requests.js';
import { Modal } from './modal.js';
import { useApp } from './shared.js';

/** @typedef {import('../contract.js').Cluster} Cluster */
/** @typedef {import('../failure-snapshot.js').Snapshot} Snapshot */

/**
 * A confirmation or small form: title, what it does, fields, Cancel and the confirming button.
 * `onSubmit` resolves when the server accepted, or rejects with what to show.
 * @param {object} props
 * @param {string} props.kind
 * @param {string} props.title
 * @param {any} props.intro
 * @param {string} props.submitLabel
 * @param {boolean} [props.danger]
 * @param {boolean} [props.canSubmit]
 * @param {() => Promise<unknown> | void} props.onSubmit
 * @param {{current: HTMLElement | null}} [props.initialFocus]
 * @param {any} [props.children]
 */
function DialogForm({ kind, title, intro, submitLabel, danger = false, canSubmit = true, onSubmit, initialFocus, children }) {
  const { dashboard } = useApp();
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [pending, setPending] = useState(false);
  const titleId = `cluster-dialog-${kind}-title`;
  const close = () => dashboard.closeDialog();

  /** @param {Event} event */
  async function submit(event) {
    event.preventDefault();
    if (pending || !canSubmit) return;
    setPending(true);
    setError(null);
    try {
      await onSubmit();
      close();
    } catch (problem) {
      setError(/** @type {Error} */ (problem).message || 'The request failed.');
      setPending(false);
    }
  }

  return html`<${Modal} titleId=${titleId} testId=${`cluster-dialog-${kind}`} className="dialog dialog--narrow" onClose=${close}
      initialFocus=${initialFocus}>
    <form class="dialog__form" novalidate onSubmit=${submit}>
      <h2 class="dialog__title" id=${titleId}>${title}</h2>
      <p class="dialog__intro">${intro}</p>
      ${error ? html`<p class="form-error" role="alert" data-testid="cluster-dialog-error">${error}</p>` : null}
      ${children ? html`<div class="dialog__fields dialog__fields--single">${children}</div>` : null}
      <div class="dialog__buttons">
        <button type="button" class="button button--quiet" onClick=${close}>Cancel</button>
        <button type="submit" class=${danger ? 'button button--danger' : 'button button--primary'}
          disabled=${pending || !canSubmit}>${submitLabel}</button>
      </div>
    </form>
  <//>`;
}

/**
 * Throw a refused check as the message the dialog shows.
 * @template B
 * @param {import('../cluster-requests.js').Checked<B>} checked
 * @returns {B}
 */
function bodyOf(checked) {
  if (!checked.ok) throw new Error(checked.message);
  return checked.body;
}

/** @param {{cluster: Cluster}} props */
export function StopDialog({ cluster }) {
  const { dashboard } = useApp();
  return html`<${DialogForm} kind="stop" title="Stop cluster" submitLabel="Stop" danger
    intro=${html`Stop <strong>${cluster.name}</strong> in ${cluster.resource_group}? Its nodes are deallocated and its
      workloads stop until you start it again.`}
    onSubmit=${() => dashboard.runOperation(cluster, 'stop')} />`;
}

/** @param {{cluster: Cluster}} props */
export function DeleteDialog({ cluster }) {
  const { dashboard } = useApp();
  const [typed, setTyped] = useState('');
  const field = useRef(/** @type {HTMLInputElement | null} */ (null));
  return html`<${DialogForm} kind="delete" title="Delete cluster" submitLabel="Delete" danger initialFocus=${field}
    canSubmit=${confirmMatches(typed, cluster.name)}
    intro=${html`This deletes <strong>${cluster.name}</strong> in ${cluster.resource_group} and everything running on it.
      It cannot be undone.`}
    onSubmit=${() => dashboard.runOperation(cluster, 'delete', bodyOf(deleteRequest(cluster, { confirm: typed })))}>
    <div class="field">
      <label for="delete-confirm">Type the cluster name to confirm</label>
      <input id="delete-confirm" ref=${field} type="text" autocomplete="off" spellcheck=${false} value=${typed}
        onInput=${(/** @type {Event} */ event) => setTyped(/** @type {HTMLInputElement} */ (event.currentTarget).value)} />
    </div>
  <//>`;
}

/** @param {{cluster: Cluster}} props */
export function ScaleDialog({ cluster }) {
  const { dashboard } = useApp();
  const limits = dashboard.limits.value;
  const pools = cluster.node_pools ?? [];
  const [pool, setPool] = useState(pools[0]?.name ?? '');
  const [count, setCount] = useState(String(pools[0]?.count ?? ''));
  useEffect(() => {
    if (!dashboard.limits.peek()) dashboard.loadOptions(cluster.region || 'eastus'); // the server's node bounds
  }, []);
  /** @param {Event} event */
  const choosePool = (event) => {
    const name = /** @type {HTMLSelectElement} */ (event.currentTarget).value;
    setPool(name);
    const chosen = pools.find((candidate) => candidate.name === name);
    if (chosen?.count !== undefined) setCount(String(chosen.count));
  };
  const range = limits?.node_count;
  return html`<${DialogForm} kind="scale" title="Scale cluster" submitLabel="Scale"
    intro=${`Set how many nodes a node pool of ${cluster.name} runs.`}
    onSubmit=${() => dashboard.runOperation(cluster, 'scale', bodyOf(scaleRequest(cluster, { node_pool: pool, node_count: count }, limits)))}>
    <div class="field">
      <label for="scale-pool">Node pool</label>
      <select id="scale-pool" value=${pool} onChange=${choosePool}>
        ${pools.map((p) => html`<option value=${p.name}>${`${p.name} (${p.mode ?? 'pool'}, ${p.count} ${p.count === 1 ? 'node' : 'nodes'})`}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="scale-count">Node count</label>
      <input id="scale-count" type="number" inputmode="numeric" min=${range?.min} max=${range?.max} value=${count}
        onInput=${(/** @type {Event} */ event) => setCount(/** @type {HTMLInputElement} */ (event.currentTarget).value)} />
    </div>
  <//>`;
}

/** @param {{cluster: Cluster}} props */
export function UpgradeDialog({ cluster }) {
  const { dashboard } = useApp();
  const upgrades = cluster.upgrades ?? [];
  const [version, setVersion] = useState(upgrades[0] ?? '');
  return html`<${DialogForm} kind="upgrade" title="Upgrade cluster" submitLabel="Upgrade"
    intro=${`Upgrade ${cluster.name} from Kubernetes ${cluster.kubernetes_version ?? ''}. Nodes are replaced one at a time.`}
    onSubmit=${() => dashboard.runOperation(cluster, 'upgrade', bodyOf(upgradeRequest(cluster, { kubernetes_version: version })))}>
    <div class="field">
      <label for="upgrade-version">Kubernetes version</label>
      <select id="upgrade-version" value=${version}
        onChange=${(/** @type {Event} */ event) => setVersion(/** @type {HTMLSelectElement} */ (event.currentTarget).value)}>
        ${upgrades.map((v) => html`<option value=${v}>${v}</option>`)}
      </select>
    </div>
  <//>`;
}

/** @param {{snapshot: Snapshot}} props */
export function DeletePartialDialog({ snapshot }) {
  const { dashboard } = useApp();
  return html`<${DialogForm} kind="delete-partial" title="Delete partial cluster" submitLabel="Delete" danger
    intro=${html`Delete <strong>${snapshot.cluster_name}</strong> in ${snapshot.resource_group}? The stopped attempt left
      it on Azure; deleting it removes what the attempt created.`}
    onSubmit=${() => {
      dashboard.deletePartialCluster(snapshot);
      dashboard.requestFocus({ target: 'cleanup' });
    }} />`;
}

/** @param {{cluster: Cluster}} props */
export function ConnectDialog({ cluster }) {
  const { dashboard } = useApp();
  const access = cluster.access;
  const close = () => dashboard.closeDialog();
  /** @param {Event} event */
  const copy = async (event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
    const code = button.parentElement?.querySelector('code');
    try {
      await navigator.clipboard.writeText(code?.textContent ?? '');
      button.textContent = 'Copied';
    } catch {
      if (code) window.getSelection()?.selectAllChildren(code);
    }
  };
  return html`<${Modal} titleId="connect-dialog-title" testId="cluster-dialog-connect" className="dialog dialog--narrow" onClose=${close}>
    <div class="dialog__form">
      <h2 class="dialog__title" id="connect-dialog-title">Connect to ${cluster.name}</h2>
      ${access
        ? html`<ol class="commands">
            ${access.commands.map((command, index) => html`<li class="check__command-row">
              <code class="check__command" id=${`connect-command-${index}`}>${command}</code>
              <button type="button" class="button button--quiet button--small" aria-describedby=${`connect-command-${index}`}
                onClick=${copy}>Copy</button>
            </li>`)}
          </ol>
          ${access.kubeconfig
            ? html`<a class="action action--link" href=${clusterPath(cluster, '/kubeconfig')} download=${`${cluster.name}.kubeconfig`}>Download kubeconfig</a>`
            : null}`
        : html`<p>The server has not said yet how to connect to this cluster.</p>`}
      <div class="dialog__buttons"><button type="button" class="button" onClick=${close}>Close</button></div>
    </div>
  <//>`;
}
