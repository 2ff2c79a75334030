// @ts-check
// "Your clusters": a region named by its heading, with Filter clusters, the count line and one
// row per cluster in natural order — a table row on wide screens, a list item on narrow ones.
// A row's buttons are exactly the server's actions; each says which cluster it acts on.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { nextActionText } from '../activity.js';
import { badgeFor, countLine, listNote, nodesText, pricePerHour, progressLine, rowActions } from '../clusters-model.js';
import { safeHttpsUrl } from '../failure-presentation.js';
import { pure, useApp, useMedia } from './shared.js';

/** @typedef {import('../dashboard.js').Row} Row */
/** @typedef {import('../contract.js').Cluster} Cluster */

export const WIDE_SCREEN = '(min-width: 64rem)';

/** @type {Record<string, string>} */
const BUTTON_CLASS = { delete: 'button button--small button--danger-outline' };

/**
 * An id that is safe inside aria-describedby (no spaces), unique per row and action.
 * @param {string} key
 * @param {string} kind
 */
const reasonId = (key, kind) => `reason-${key.replace(/[^\w-]/g, (ch) => `_${ch.charCodeAt(0)}`)}-${kind}`;

/**
 * What a row's button does: a dialog for most, Start at once.
 * @param {import('../dashboard.js').Dashboard} dashboard
 * @param {string} kind
 * @param {Row} row
 */
function runAction(dashboard, kind, row) {
  const cluster = row.listed;
  if (kind === 'start') dashboard.runNow(cluster, 'start');
  else if (kind === 'node_pools' || kind === 'guardrails') dashboard.openDialog({ kind: 'details', clusterKey: row.key, cluster, part: kind });
  else dashboard.openDialog({ kind: /** @type {'stop' | 'scale' | 'upgrade' | 'delete' | 'connect'} */ (kind), clusterKey: row.key, cluster });
}

/**
 * The row's buttons and portal link.
 * @param {{row: Row}} props
 */
function RowActions({ row }) {
  const { dashboard } = useApp();
  const actions = rowActions(row.listed, row.followed ?? undefined);
  const portal = safeHttpsUrl(row.cluster.portal_url);
  return html`${actions.map((action) => {
    const id = action.reason ? reasonId(row.key, action.kind) : undefined;
    return html`<button type="button" class=${BUTTON_CLASS[action.kind] ?? 'button button--small'} data-action=${action.kind}
        aria-disabled=${action.enabled ? undefined : 'true'} aria-describedby=${id} title=${action.reason ?? undefined}
        aria-haspopup=${action.kind === 'start' ? undefined : 'dialog'}
        onClick=${() => action.enabled && runAction(dashboard, action.kind, row)}>
        ${action.label}<span class="visually-hidden"> ${row.cluster.name}</span>
      </button>${id ? html`<span class="visually-hidden" id=${id}>${action.reason}</span>` : null}`;
  })}
  ${portal ? html`<a class="action action--link action--small" href=${portal} target="_blank" rel="noopener">Open in Azure portal</a>` : null}`;
}

/**
 * The badge, the progress line and the problem of a row.
 * @param {{row: Row}} props
 */
function RowState({ row }) {
  const badge = badgeFor(row.cluster);
  const problem = row.problem;
  return html`<span class=${`badge badge--${badge.toLowerCase()}`} data-testid="cluster-badge">${badge}</span>
    <p class="cluster-row__progress" role="status" data-testid="cluster-progress">${progressLine(row.cluster, row.followed)}</p>
    ${problem
      ? html`<div class="cluster-row__problem" data-testid="cluster-problem">
          <p class="cluster-row__problem-message">${problem.message}</p>
          ${problem.actions.length
            ? html`<p class="cluster-row__problem-actions">${problem.actions.map((action) =>
                action.as === 'link'
                  ? html`<a class="action action--link" href=${action.url} target="_blank" rel="noopener">${action.label}</a>`
                  : html`<span class="action action--text">${action.label}</span>`)}</p>`
            : null}
        </div>`
      : null}`;
}

/**
 * The cluster's name: the button that opens its details.
 * @param {{row: Row}} props
 */
function NameButton({ row }) {
  const { dashboard } = useApp();
  return html`<button type="button" class="link-button" aria-haspopup="dialog"
    onClick=${() => dashboard.openDialog({ kind: 'details', clusterKey: row.key, cluster: row.listed })}>${row.cluster.name}</button>`;
}

/**
 * One cluster; renders again only when its row, visibility or layout changes.
 * @param {{row: Row, hidden: boolean, wide: boolean, now: number}} props
 */
const ClusterRow = pure(({ row, hidden, wide, now }) => {
  const { cluster } = row;
  const price = pricePerHour(cluster);
  const next = nextActionText(cluster.guardrails, now);
  const common = { class: 'cluster-row', 'data-testid': 'cluster-row', 'data-cluster': cluster.name, 'data-row-key': row.key, tabindex: '-1', hidden };
  if (wide) {
    return html`<tr ...${common}>
      <th scope="row" class="cluster-row__name"><${NameButton} row=${row} /></th>
      <td>${cluster.resource_group}</td>
      <td>${cluster.region}</td>
      <td class="cluster-row__state"><${RowState} row=${row} /></td>
      <td>${cluster.kubernetes_version}</td>
      <td>${nodesText(cluster.node_count)}</td>
      <td>${price}</td>
      <td>${next}</td>
      <td class="cluster-row__actions"><${RowActions} row=${row} /></td>
    </tr>`;
  }
  /** @type {[string, unknown][]} */
  const facts = [
    ['Resource group', cluster.resource_group], ['Region', cluster.region], ['Kubernetes', cluster.kubernetes_version],
    ['Nodes', nodesText(cluster.node_count)], ['Price', price], ['Next', next],
  ];
  return html`<li ...${common}>
    <div class="cluster-row__header">
      <h3 class="cluster-row__name"><${NameButton} row=${row} /></h3>
    </div>
    <div class="cluster-row__state"><${RowState} row=${row} /></div>
    <dl class="cluster-row__facts">
      ${facts.filter(([, value]) => value).map(([label, value]) => html`<div><dt>${label}</dt><dd>${String(value)}</dd></div>`)}
    </dl>
    <div class="cluster-row__actions"><${RowActions} row=${row} /></div>
  </li>`;
});

export function ClustersSection() {
  const { dashboard } = useApp();
  const { state } = dashboard;
  const wide = useMedia(WIDE_SCREEN);
  const rows = dashboard.rows.value;
  const shown = dashboard.shownKeys.value;
  const list = state.list.value;
  const request = state.focus.value;
  const dialogOpen = state.dialog.value !== null;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const ticker = setInterval(() => setNow(Date.now()), 60_000); // "Auto-stop in 12 min" counts down
    return () => clearInterval(ticker);
  }, []);
  useEffect(() => {
    if (request?.target !== 'row' || dialogOpen) return;
    const row = document.querySelector(`[data-row-key="${CSS.escape(request.key)}"]`);
    if (row instanceof HTMLElement) {
      row.focus();
      state.focus.value = null;
    }
  }, [request, rows, dialogOpen]);

  const items = rows.map(
    (row) => html`<${ClusterRow} key=${row.key} row=${row} hidden=${!shown.has(row.key)} wide=${wide} now=${now} />`,
  );
  return html`<section class="card clusters" aria-labelledby="your-clusters-title" data-testid="your-clusters"
      data-focus-fallback="your-clusters-title">
    <div class="clusters__header">
      <h2 class="card__title" id="your-clusters-title" tabindex="-1">Your clusters</h2>
      <div class="clusters__filter">
        <label for="cluster-filter">Filter clusters</label>
        <input id="cluster-filter" type="search" autocomplete="off" spellcheck=${false} value=${state.filter.value}
          onInput=${(/** @type {Event} */ event) => { state.filter.value = /** @type {HTMLInputElement} */ (event.currentTarget).value; }} />
      </div>
    </div>
    <p class="clusters__count" role="status" data-testid="clusters-count">${countLine(shown.size, rows.length)}</p>
    ${listNote(list) ? html`<p class="muted clusters__note" data-testid="clusters-note">${listNote(list)}</p>` : null}
    ${wide
      ? html`<table class="clusters__table" aria-labelledby="your-clusters-title">
          <thead><tr>
            <th scope="col">Name</th><th scope="col">Resource group</th><th scope="col">Region</th><th scope="col">State</th>
            <th scope="col">Kubernetes</th><th scope="col">Nodes</th><th scope="col">Price</th><th scope="col">Next action</th>
            <th scope="col">Actions</th>
          </tr></thead>
          <tbody>${items}</tbody>
        </table>`
      : html`<ul class="clusters__list" aria-labelledby="your-clusters-title">${items}</ul>`}
  </section>`;
}
