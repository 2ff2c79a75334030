// @ts-check
// Recent attempts: the newest three operations (Show all attempts for the rest), each with
// its status and who started it, and a Details dialog showing its task document.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { activityText, attemptLabel, OPERATION_NAMES, whenText } from '../activity.js';
import { taskClusterKey } from '../clusters-model.js';
import { headlineFor, safeHttpsUrl } from '../failure-presentation.js';
import { statusLabel, stepName } from '../progress.js';
import { Modal } from './modal.js';
import { useApp } from './shared.js';

/** @typedef {import('../contract.js').TaskDocument} TaskDocument */

export const SHOWN_FIRST = 3;

/** @param {string | undefined} status */
export const badgeClass = (status) => `badge badge--${status && /^[a-z]+$/.test(status) ? status : 'unknown'}`;

/**
 * The idle rule of the cluster a job is about, so "idle for 1 hour" can say how long.
 * @param {import('../dashboard.js').Dashboard} dashboard
 * @param {TaskDocument} job
 */
const idleMinutes = (dashboard, job) => dashboard.clusterByKey(taskClusterKey(job))?.guardrails?.idle_stop_minutes ?? null;

/** @param {{job: TaskDocument}} props */
function HistoryItem({ job }) {
  const { dashboard } = useApp();
  const request = job.request ?? {};
  const label = attemptLabel(job, idleMinutes(dashboard, job));
  const meta = [request.resource_group, request.region, whenText(job.created_at)].filter(Boolean).join(' · ');
  return html`<li class="history__item" data-testid="history-item" data-status=${job.status ?? ''}>
    <span class=${badgeClass(job.status)}>${statusLabel(job.status)}</span>
    <span class="history__what">
      <span class="history__name">${label}</span>
      <span class="history__meta muted">${meta}</span>
    </span>
    <button type="button" class="button button--quiet button--small history__details" aria-haspopup="dialog"
      onClick=${() => dashboard.openDialog({ kind: 'attempt', task: job })}>
      Details<span class="visually-hidden"> of ${label}</span>
    </button>
  </li>`;
}

export function RecentAttempts() {
  const { dashboard } = useApp();
  const history = dashboard.state.history.value;
  const [all, setAll] = useState(false);
  const jobs = all ? history.jobs : history.jobs.slice(0, SHOWN_FIRST);
  const note = history.unavailable
    ? 'Recent attempts are unavailable right now.'
    : history.loaded && history.jobs.length === 0
      ? 'No attempts yet.'
      : '';
  return html`<section class="recent" aria-labelledby="recent-attempts-title">
    <h3 class="recent__title" id="recent-attempts-title">Recent attempts</h3>
    <ul class="history" data-testid="recent-attempts" aria-labelledby="recent-attempts-title">
      ${jobs.map((job) => html`<${HistoryItem} key=${job.task_id} job=${job} />`)}
    </ul>
    ${history.jobs.length > SHOWN_FIRST
      ? html`<button type="button" class="button button--quiet button--small recent__more" aria-expanded=${all ? 'true' : 'false'}
          onClick=${() => setAll(!all)}>${all ? 'Show fewer attempts' : 'Show all attempts'}</button>`
      : null}
    ${note ? html`<p class="muted history__note">${note}</p>` : null}
  </section>`;
}

/**
 * The task document of one attempt, as a dialog.
 * @param {{task: TaskDocument}} props
 */
export function AttemptDetails({ task }) {
  const { dashboard } = useApp();
  const known = dashboard.state.history.value.jobs.find((job) => job.task_id === task.task_id) ?? task;
  const request = known.request ?? {};
  const progress = known.progress ?? {};
  const portal = safeHttpsUrl(progress.portal_url);
  /** @type {[string, unknown][]} */
  const facts = [
    ['Operation', OPERATION_NAMES[known.type ?? 'aks_provision'] ?? known.type],
    ['Status', statusLabel(known.status)],
    ['Started', activityText(known, idleMinutes(dashboard, known))],
    ['Cluster', request.cluster_name],
    ['Resource group', request.resource_group],
    ['Region', request.region],
    ['Node VM size', request.node_vm_size],
    ['Node count', request.node_count],
    ['Kubernetes version', request.kubernetes_version],
    ['Step', stepName(progress.step)],
    ['Cluster state', progress.cluster_state],
    ['Created', whenText(known.created_at)],
    ['Updated', whenText(known.updated_at)],
    ['Task id', known.task_id],
  ];
  const close = () => dashboard.closeDialog();
  return html`<${Modal} titleId="attempt-dialog-title" testId="attempt-dialog" onClose=${close}>
    <div class="dialog__form">
      <h2 class="dialog__title" id="attempt-dialog-title">${attemptLabel(known, idleMinutes(dashboard, known))}</h2>
      <dl class="facts">
        ${facts
          .filter(([, value]) => value !== undefined && value !== null && value !== '')
          .map(([label, value]) => html`<div class="facts__item"><dt>${label}</dt><dd>${String(value)}</dd></div>`)}
      </dl>
      ${known.error
        ? html`<section class="attempt-error" aria-labelledby="attempt-error-title">
            <h3 id="attempt-error-title">${headlineFor(known.error.category)}</h3>
            <pre class="error-card__message">${known.error.message}</pre>
          </section>`
        : null}
      ${portal ? html`<a class="action action--link" href=${portal} target="_blank" rel="noopener noreferrer">Open in Azure portal</a>` : null}
      <div class="dialog__buttons"><button type="button" class="button" onClick=${close}>Close</button></div>
    </div>
  <//>`;
}
