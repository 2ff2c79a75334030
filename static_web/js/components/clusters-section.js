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
const COLUMNS = ['Name', 'Resource group', 'Region', 'State', 'Kubernetes', 'Nodes', 'Price', 'Next action', 'Actions'];

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
 * The row's buttons and portal link. One click handler serves them all (there are 200 rows).
 * @param {{row: Row}} props
 */
function RowActionsView({ row }) {
  const { dashboard } = useApp();
  const actions = rowActions(row.listed, row.followed ?? undefined);
  const portal = safeHttpsUrl(row.cluster.portal_url);
  /** @param {MouseEvent} event */
  const clicked = (event) => {
    const button = /** @type {Element} */ (event.target).closest('button[data-action]');
    const action = actions.find((candidate) => candidate.kind === button?.getAttribute('data-action'));
    if (action?.enabled) runAction(dashboard, action.kind, row);
  };
  return html`<div class="cluster-row__actions" onClick=${clicked}>${actions.map((action) => {
    const id = action.reason ? reasonId(row.key, action.kind) : undefined;
    return html`<button data-action=${action.kind} aria-label=${action.name} aria-disabled=${action.enabled ? undefined : 'true'}
      aria-describedby=${id} title=${action.reason ?? undefined}>${action.label}</button>${
      id ? html`<span class="visually-hidden" id=${id}>${action.reason}</span>` : null}`;
  })}${portal ? html`<a class="action action--link action--small" href=${portal} target="_blank" rel="noopener">Open in Azure portal</a>` : null}</div>`;
}
const RowActions = pure(RowActionsView);

/**
 * The badge, the progress line and the problem of a row.
 * @param {{row: Row}} props
 */
function RowStateView({ row }) {
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
const RowState = pure(RowStateView);

/**
 * One cluster — a row of the table on wide screens, a list item on narrow ones; it renders
 * again only when its row, visibility or layout changes.
 * @param {{row: Row, hidden: boolean, wide: boolean, now: number}} props
 */
function ClusterRowView({ row, hidden, wide, now }) {
  const { dashboard } = useApp();
  const { cluster } = row;
  const price = pricePerHour(cluster);
  const next = nextActionText(cluster.guardrails, now);
  const common = { 'data-testid': 'cluster-row', 'data-cluster': cluster.name, 'data-row-key': row.key, tabindex: '-1', hidden };
  const name = html`<button class="link-button" aria-haspopup="dialog"
    onClick=${() => dashboard.openDialog({ kind: 'details', clusterKey: row.key, cluster: row.listed })}>${cluster.name}</button>`;
  if (wide) {
    return html`<div role="row" class="cluster-row clusters__grid" ...${common}>
      <div role="rowheader" class="cluster-row__name">${name}</div>
      <div role="cell">${cluster.resource_group}</div>
      <div role="cell">${cluster.region}</div>
      <div role="cell" class="cluster-row__state"><${RowState} row=${row} /></div>
      <div role="cell">${cluster.kubernetes_version}</div>
      <div role="cell">${nodesText(cluster.node_count)}</div>
      <div role="cell">${price}</div>
      <div role="cell">${next}</div>
      <div role="cell"><${RowActions} row=${row} /></div>
    </div>`;
  }
  /** @type {[string, unknown][]} */
  const facts = [
    ['Resource group', cluster.resource_group], ['Region', cluster.region], ['Kubernetes', cluster.kubernetes_version],
    ['Nodes', nodesText(cluster.node_count)], ['Price', price], ['Next', next],
  ];
  return html`<li class="cluster-row" ...${common}>
    <h3 class="cluster-row__name">${name}</h3>
    <div class="cluster-row__state"><${RowState} row=${row} /></div>
    <dl class="cluster-row__facts">
      ${facts.filter(([, value]) => value).map(([label, value]) => html`<div><dt>${label}</dt><dd>${String(value)}</dd></div>`)}
    </dl>
    <${RowActions} row=${row} />
  </li>`;
}
const ClusterRow = pure(ClusterRowView);

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
      ? html`<div class="clusters__table" role="table" aria-labelledby="your-clusters-title">
          <div role="rowgroup"><div role="row" class="clusters__grid clusters__head">
            ${COLUMNS.map((column) => html`<span role="columnheader">${column}</span>`)}
          </div></div>
          <div role="rowgroup">${items}</div>
        </div>`
      : html`<ul class="clusters__list" aria-labelledby="your-clusters-title">${items}</ul>`}
  </section>`;
}
