// @ts-check
// ProvisionErrorCard: one failure, explained — used by the banner and by the Create dialog.
// Every server string goes in as text; only https: URLs become links.

import { html } from 'htm/preact';
import { useId, useRef } from 'preact/hooks';

import {
  headlineFor,
  isCancelledWithPartialCluster,
  PORTAL_LABEL_DEFAULT,
  PORTAL_TOOLTIP,
  planErrorActions,
  shortMessage,
} from '../failure-presentation.js';
import { useApp, useFocusRequest } from './shared.js';

/** @typedef {import('../failure-snapshot.js').Snapshot} Snapshot */
/** @typedef {import('../failure-presentation.js').PlannedAction} PlannedAction */

const NO_ERROR = { category: 'unknown', code: '', message: '', actions: [] };
const CANCELLED_TEXT =
  'The attempt was cancelled before it finished, after the cluster resource was created on Azure.';

/** @param {string} glyph */
const icon = (glyph) => html`<span class="icon" aria-hidden="true">${glyph}</span>`;

/**
 * @param {string} label
 * @param {string} url
 */
const externalLink = (label, url) =>
  html`<a class="action action--link" href=${url} target="_blank" rel="noopener noreferrer"><span>${label}</span>${icon('↗')}</a>`;

/**
 * @param {object} props
 * @param {Snapshot} props.snapshot the failure
 * @param {string | null} [props.extraPortalUrl] the warning-accent portal action's URL
 * @param {string} [props.extraPortalLabel]
 * @param {((snapshot: Snapshot) => void) | null} [props.onEditRetry] null hides Edit & retry
 * @param {((snapshot: Snapshot) => void) | null} [props.onEditAction] in-app "edit" actions
 */
export function ProvisionErrorCard({
  snapshot,
  extraPortalUrl = null,
  extraPortalLabel = PORTAL_LABEL_DEFAULT,
  onEditRetry = null,
  onEditAction = null,
}) {
  const { dashboard } = useApp();
  const headingId = useId();
  const cleanupRef = useRef(/** @type {HTMLParagraphElement | null} */ (null));
  useFocusRequest((request) => request.target === 'cleanup', cleanupRef);
  const error = snapshot.error ?? NO_ERROR;
  const partial = isCancelledWithPartialCluster(snapshot);
  const running = dashboard.state.partialDelete.value;
  const cleanup = running?.failureTaskId === snapshot.task_id ? running : null;
  const plan = planErrorActions(snapshot, { extraPortalUrl, extraPortalLabel, canEdit: !!onEditAction, canRetry: !!onEditRetry });
  const fullMessage = error.message || 'No further details were reported.';

  /** @param {PlannedAction} item */
  function control(item) {
    switch (item.as) {
      case 'portal': {
        const content = [icon('⚠'), html`<span>${item.label}</span>`];
        return item.url
          ? html`<a class="action action--warning" title=${PORTAL_TOOLTIP} data-testid="open-portal-warning" href=${item.url} target="_blank" rel="noopener noreferrer">${content}</a>`
          : html`<span class="action action--warning" title=${PORTAL_TOOLTIP} data-testid="open-portal-warning">${content}</span>`;
      }
      case 'delete':
        return html`<button type="button" class="button button--danger" data-testid=${item.testId} disabled=${cleanup?.status === 'deleting'}
          onClick=${() => dashboard.openDialog({ kind: 'delete-partial', snapshot })}>${item.label}</button>`;
      case 'link':
        return item.url ? externalLink(item.label, item.url) : null;
      case 'edit':
        return html`<button type="button" class="button" onClick=${() => onEditAction?.(snapshot)}>${item.label}</button>`;
      case 'retry':
        return html`<button type="button" class="button button--primary" data-testid=${item.testId} onClick=${() => onEditRetry?.(snapshot)}>${item.label}</button>`;
      default:
        return html`<span class="action action--text">${item.label}</span>`;
    }
  }

  const cleanupClass = cleanup?.status === 'failed' ? 'error-card__cleanup error-card__cleanup--failed' : 'error-card__cleanup';
  return html`<section class=${`error-card error-card--${partial ? 'warning' : 'danger'}`} aria-labelledby=${headingId}
      data-testid="provision-error-card" data-category=${error.category}>
    <h4 class="error-card__headline" id=${headingId}>${icon(partial ? '⚠' : '✖')}<span>${headlineFor(error.category)}</span></h4>
    ${partial ? html`<p class="error-card__cancelled">${CANCELLED_TEXT}</p>` : null}
    <p class="error-card__summary">${shortMessage(fullMessage)}</p>
    <details class="error-card__details">
      <summary>Full error message</summary>
      <pre class="error-card__message">${fullMessage}</pre>
      ${error.code ? html`<p class="error-card__code">Error code: ${error.code}</p>` : null}
    </details>
    ${plan.length ? html`<div class="error-card__actions">${plan.map(control)}</div>` : null}
    <p class=${cleanupClass} role="status" tabindex="-1" ref=${cleanupRef} data-testid="partial-cluster-cleanup">${cleanup?.message ?? ''}</p>
  </section>`;
}
