// @ts-check
// The page: the cluster card (Create cluster, banner, running attempt, recent attempts), Your
// clusters, and whichever dialog is open.

import { html } from 'htm/preact';

import { AttemptView, Notice } from './attempt.js';
import { Banner } from './banner.js';
import { ClusterDetails } from './cluster-details.js';
import { ConnectDialog, DeleteDialog, DeletePartialDialog, ScaleDialog, StopDialog, UpgradeDialog } from './cluster-dialogs.js';
import { ClustersSection } from './clusters-section.js';
import { CreateDialog, openCreateDialog } from './create-dialog.js';
import { AttemptDetails, RecentAttempts } from './recent-attempts.js';
import { AppContext, useApp, useFocusRequest } from './shared.js';
import { useRef } from 'preact/hooks';

/** @type {Record<string, (props: {cluster: import('../contract.js').Cluster}) => any>} */
const CLUSTER_DIALOGS = {
  stop: StopDialog,
  delete: DeleteDialog,
  scale: ScaleDialog,
  upgrade: UpgradeDialog,
  connect: ConnectDialog,
};

function ClusterCard() {
  const app = useApp();
  const createButton = useRef(/** @type {HTMLButtonElement | null} */ (null));
  useFocusRequest((request) => request.target === 'create', createButton);
  return html`<section class="card cluster-card" aria-labelledby="cluster-card-title" data-testid="cluster-card">
    <div class="card__header">
      <h2 class="card__title" id="cluster-card-title">AKS cluster</h2>
      <button type="button" class="button button--primary" data-testid="create-cluster" aria-haspopup="dialog" ref=${createButton}
        onClick=${() => openCreateDialog(app)}>Create cluster</button>
    </div>
    <${Banner} />
    <${AttemptView} />
    <${Notice} />
    <${RecentAttempts} />
  </section>`;
}

/** The open dialog, if any (one at a time; the dashboard's `dialog` says which). */
function OpenDialog() {
  const { dashboard } = useApp();
  const dialog = dashboard.state.dialog.value;
  if (!dialog) return null;
  const key = `${dialog.kind}:${dialog.clusterKey ?? dialog.snapshot?.task_id ?? dialog.task?.task_id ?? ''}`;
  if (dialog.kind === 'create') return html`<${CreateDialog} key=${key} />`;
  if (dialog.kind === 'delete-partial' && dialog.snapshot) return html`<${DeletePartialDialog} key=${key} snapshot=${dialog.snapshot} />`;
  if (dialog.kind === 'attempt' && dialog.task) return html`<${AttemptDetails} key=${key} task=${dialog.task} />`;
  const cluster = dialog.clusterKey ? (dashboard.clusterByKey(dialog.clusterKey) ?? dialog.cluster) : null;
  if (!cluster || !dialog.clusterKey) return null;
  if (dialog.kind === 'details') {
    return html`<${ClusterDetails} key=${key} clusterKey=${dialog.clusterKey} cluster=${cluster} part=${dialog.part} />`;
  }
  const Dialog = CLUSTER_DIALOGS[dialog.kind];
  return Dialog ? html`<${Dialog} key=${key} cluster=${cluster} />` : null;
}

/** @param {{app: {dashboard: import('../dashboard.js').Dashboard, createForm: import('../create-form.js').CreateForm}}} props */
export function App({ app }) {
  return html`<${AppContext.Provider} value=${app}>
    <${ClusterCard} />
    <${ClustersSection} />
    <${OpenDialog} />
  <//>`;
}
