// @ts-check
// The Create dialog's "Preflight checks" list: each check's status in words, its message and
// what to do about it (links, a command to copy, Apply N nodes, a field to edit).

import { html } from 'htm/preact';

import { planCheckActions } from '../preflight-model.js';

/** @typedef {import('../contract.js').PreflightCheck} PreflightCheck */
/** @typedef {import('../preflight-model.js').PlannedCheckAction} PlannedCheckAction */

/** @type {Record<string, string>} */
const STATUS_ICONS = { pass: '✓', warn: '!', fail: '✖', unknown: '?' };

/**
 * Copy a command; where the clipboard is refused, select it for a manual copy.
 * @param {Event} event
 */
async function copyCommand(event) {
  const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
  const code = button.parentElement?.querySelector('code');
  if (!code) return;
  try {
    await navigator.clipboard.writeText(code.textContent ?? '');
    button.textContent = 'Copied';
  } catch (problem) {
    console.info('Clipboard refused; the command is selected instead.', problem);
    window.getSelection()?.selectAllChildren(code);
  }
}

/**
 * @typedef {object} CheckHandlers
 * @property {(count: number) => void} onApplyNodes
 * @property {(field: string) => void} onEditField
 */

/**
 * @param {PlannedCheckAction} item
 * @param {CheckHandlers} handlers
 */
function actionControl(item, { onApplyNodes, onEditField }) {
  switch (item.kind) {
    case 'link':
      return html`<a class="action action--link" href=${item.url} target="_blank" rel="noopener noreferrer"><span>${item.label}</span><span class="icon" aria-hidden="true">↗</span></a>`;
    case 'command':
      return html`<div class="check__command-row"><span>${item.label}</span><code class="check__command">${item.value}</code>
        <button type="button" class="button button--quiet button--small" onClick=${copyCommand}>Copy command</button></div>`;
    case 'apply_nodes':
      return html`<button type="button" class="button button--small" onClick=${() => onApplyNodes(Number(item.value))}>${item.label}</button>`;
    case 'edit':
      return item.field
        ? html`<button type="button" class="button button--small" onClick=${() => onEditField(String(item.field))}>${item.label}</button>`
        : null;
    default:
      return html`<span class="action action--text">${item.label}</span>`;
  }
}

/**
 * @param {object} props
 * @param {PreflightCheck[]} props.checks
 * @param {boolean} props.busy
 * @param {string} props.note
 * @param {CheckHandlers} props.handlers
 */
export function PreflightChecks({ checks, busy, note, handlers }) {
  return html`<section class="preflight" aria-labelledby="preflight-title">
    <h3 class="preflight__title" id="preflight-title">Preflight checks</h3>
    <p class="preflight__note" data-testid="preflight-note">${note}</p>
    <ul class="preflight__checks" aria-labelledby="preflight-title" aria-live="polite" aria-busy=${busy ? 'true' : null}
      data-testid="preflight-checks">
      ${checks.map((check) => {
        const status = Object.hasOwn(STATUS_ICONS, check.status) ? check.status : 'unknown';
        const actions = planCheckActions(check).map((item) => actionControl(item, handlers)).filter(Boolean);
        return html`<li class=${`check check--${status}`} data-check-id=${check.id}>
          <span class="check__status"><span class="icon" aria-hidden="true">${STATUS_ICONS[status]}</span><span>${status}</span></span>
          <span class="check__message">${check.message ?? ''}</span>
          ${actions.length ? html`<div class="check__actions">${actions}</div>` : null}
        </li>`;
      })}
    </ul>
  </section>`;
}
