// @ts-check
// A cluster's details, opened from its name: heading = the cluster name, its facts, and the
// parts Node pools, Connect and Cost guardrails (each only when the server sends its data)
// and Activity — that cluster's operations from the history, newest first, with who started
// each (you, or a guardrail).

import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';

import { activityText, clusterActivity, durationText, nextActionText, whenText } from '../activity.js';
import { badgeFor, nodesText, pricePerHour, progressLine } from '../clusters-model.js';
import { safeHttpsUrl } from '../failure-presentation.js';
import { money } from '../preflight-model.js';
import { statusLabel } from '../progress.js';
import { Modal } from './modal.js';
import { badgeClass } from './recent-attempts.js';
import { useApp } from './shared.js';

/** @typedef {import('../contract.js').Cluster} Cluster */

/** @type {Record<string, string>} */
const PART_IDS = { node_pools: 'details-node-pools', guardrails: 'details-guardrails' };

/**
 * @param {string} id
 * @param {string} title
 * @param {any} children
 */
const part = (id, title, children) =>
  html`<section class="details__part" aria-labelledby=${id}><h3 id=${id} tabindex="-1">${title}</h3>${children}</section>`;

/** @param {{cluster: Cluster}} props */
function NodePools({ cluster }) {
  const pools = cluster.node_pools ?? [];
  if (pools.length === 0) return html`<p class="muted">No node pools reported.</p>`;
  return html`<ul class="details__pools">
    ${pools.map((pool) => {
      const size = pool.autoscale ? `autoscale ${pool.autoscale.min}–${pool.autoscale.max}` : nodesText(pool.count);
      const facts = [pool.mode, pool.vm_size, size, pool.power_state ?? pool.provisioning_state].filter(Boolean);
      return html`<li><strong>${pool.name}</strong> <span class="muted">${facts.join(' · ')}</span></li>`;
    })}
  </ul>`;
}

/** @param {{cluster: Cluster}} props */
function Guardrails({ cluster }) {
  const guardrails = cluster.guardrails;
  const saved = cluster.cost?.saved_this_month;
  const next = nextActionText(guardrails, Date.now());
  const rules = guardrails
    ? [
        guardrails.idle_stop_minutes ? `Auto-stop when idle for ${durationText(guardrails.idle_stop_minutes)}` : '',
        guardrails.schedule ? `Working hours ${guardrails.schedule.start}–${guardrails.schedule.stop} (${guardrails.schedule.timezone})` : '',
        guardrails.expires_at ? `Deletes on ${whenText(guardrails.expires_at)}` : '',
      ].filter(Boolean)
    : [];
  return html`${rules.length ? html`<ul>${rules.map((rule) => html`<li>${rule}</li>`)}</ul>` : html`<p class="muted">No guardrails are set.</p>`}
    ${next ? html`<p>Next: ${next}</p>` : null}
    ${typeof saved === 'number' ? html`<p>Saved ≈ ${money(saved)} this month</p>` : null}`;
}

/** @param {{cluster: Cluster}} props */
function Connect({ cluster }) {
  const access = cluster.access;
  if (!access) return null;
  return html`<p>${access.mode === 'entra' ? 'Microsoft Entra ID sign-in, no secret in the kubeconfig.' : 'Local accounts.'}</p>
    <ol class="commands">${access.commands.map((command) => html`<li><code class="check__command">${command}</code></li>`)}</ol>`;
}

/** @param {{clusterKey: string, cluster: Cluster, part?: string}} props */
export function ClusterDetails({ clusterKey, cluster: opened, part: firstPart }) {
  const { dashboard } = useApp();
  const row = dashboard.rows.value.find((candidate) => candidate.key === clusterKey);
  const cluster = row?.cluster ?? opened;
  const jobs = dashboard.state.history.value.jobs;
  const activity = clusterActivity(jobs, clusterKey);
  const idle = cluster.guardrails?.idle_stop_minutes ?? null;
  const portal = safeHttpsUrl(cluster.portal_url);
  const close = () => dashboard.closeDialog();
  useEffect(() => {
    const heading = firstPart ? document.getElementById(PART_IDS[firstPart] ?? '') : null;
    heading?.focus();
  }, []);
  /** @type {[string, unknown][]} */
  const facts = [
    ['State', badgeFor(cluster)], ['Resource group', cluster.resource_group], ['Region', cluster.region],
    ['Kubernetes', cluster.kubernetes_version], ['Nodes', nodesText(cluster.node_count)], ['Price', pricePerHour(cluster)],
    ['Server', cluster.fqdn], ['Now', progressLine(cluster, row?.followed)],
  ];
  return html`<${Modal} titleId="cluster-details-title" testId="cluster-details" className="dialog dialog--details" onClose=${close}>
    <div class="dialog__form">
      <h2 class="dialog__title" id="cluster-details-title">${cluster.name}</h2>
      ${row ? null : html`<p class="notice notice--warning">This cluster is no longer in the list.</p>`}
      <dl class="facts">
        ${facts.filter(([, value]) => value).map(([label, value]) => html`<div class="facts__item"><dt>${label}</dt><dd>${String(value)}</dd></div>`)}
      </dl>
      ${portal ? html`<a class="action action--link" href=${portal} target="_blank" rel="noopener">Open in Azure portal</a>` : null}
      ${Array.isArray(cluster.node_pools) ? part('details-node-pools', 'Node pools', html`<${NodePools} cluster=${cluster} />`) : null}
      ${cluster.access ? part('details-connect', 'Connect', html`<${Connect} cluster=${cluster} />`) : null}
      ${cluster.guardrails !== undefined ? part('details-guardrails', 'Cost guardrails', html`<${Guardrails} cluster=${cluster} />`) : null}
      ${part('details-activity', 'Activity', activity.length
        ? html`<ol class="activity" data-testid="cluster-activity">
            ${activity.map((job) => html`<li class="activity__item">
              <span class=${badgeClass(job.status)}>${statusLabel(job.status)}</span>
              <span>${activityText(job, idle)}</span>
              <span class="muted">${whenText(job.created_at)}</span>
            </li>`)}
          </ol>`
        : html`<p class="muted">${dashboard.state.history.value.loaded ? 'No operations recorded yet.' : 'Loading…'}</p>`)}
      <div class="dialog__buttons"><button type="button" class="button" onClick=${close}>Close</button></div>
    </div>
  <//>`;
}
