// @ts-check
// The banner (role="alert"): "Last attempt failed", or "Last attempt stopped" for a cancel
// that left a cluster behind, with the cluster, the error card and Dismiss. It shows the
// snapshot from localStorage on the first render, before the server has answered.

import { html } from 'htm/preact';

import { bannerHeading, isCancelledWithPartialCluster } from '../failure-presentation.js';
import { openCreateDialog } from './create-dialog.js';
import { ProvisionErrorCard } from './error-card.js';
import { useApp } from './shared.js';

/** @typedef {import('../failure-snapshot.js').Snapshot} Snapshot */

export function Banner() {
  const app = useApp();
  const snapshot = app.dashboard.state.failure.value;
  if (!snapshot) return null;
  const partial = isCancelledWithPartialCluster(snapshot);
  const where = [snapshot.resource_group, snapshot.region].filter(Boolean).join(' · ');
  /** @param {Snapshot} failure */
  const editAndRetry = (failure) => openCreateDialog(app, { failure });
  return html`<div role="alert" class=${partial ? 'banner banner--warning' : 'banner'} data-testid="last-failed-banner"
      data-task-id=${snapshot.task_id}>
    <div class="banner__top">
      <h3 class="banner__title">${bannerHeading(snapshot)}</h3>
      <button type="button" class="button button--quiet" data-testid="banner-dismiss"
        onClick=${() => app.dashboard.dismiss(snapshot)}>Dismiss</button>
    </div>
    <p class="banner__cluster">
      <span data-testid="banner-cluster-name">${snapshot.cluster_name}</span>
      ${where ? html`<span class="banner__where"> (${where})</span>` : null}
    </p>
    <${ProvisionErrorCard} snapshot=${snapshot} extraPortalUrl=${partial ? snapshot.progress.portal_url : null}
      onEditRetry=${editAndRetry} onEditAction=${editAndRetry} />
  </div>`;
}
