// @ts-check
// Commands a user copies: each on its own line with a Copy button ("Copy command 1") and a
// "Copied" line once the clipboard has it; and the Grant access warning a create leaves when
// it could not give its creator access (its message, then the commands an admin runs and the
// Azure portal page, shown on demand). Server strings are rendered as text only.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { safeHttpsUrl } from '../failure-presentation.js';

/** @typedef {import('../contract.js').TaskError} TaskError */

const COPIED_FOR_MS = 4000;

/**
 * Put text on the clipboard; false when the browser refuses (then the text is selected).
 * @param {string} text
 * @param {Element | null} code
 */
async function copyText(text, code) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (problem) {
    console.info('The clipboard refused the command; it is selected instead.', problem);
    if (code) window.getSelection()?.selectAllChildren(code);
    return false;
  }
}

/**
 * One command with its Copy button and what copying did.
 * @param {{command: string, index: number, idPrefix: string}} props
 */
function CommandLine({ command, index, idPrefix }) {
  const [copied, setCopied] = useState(/** @type {'' | 'copied' | 'selected'} */ (''));
  const code = useRef(/** @type {HTMLElement | null} */ (null));
  const timer = useRef(/** @type {ReturnType<typeof setTimeout> | null} */ (null));
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  const id = `${idPrefix}-${index}`;
  const copy = async () => {
    const done = await copyText(command, code.current);
    setCopied(done ? 'copied' : 'selected');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopied(''), COPIED_FOR_MS);
  };
  const feedback = copied === 'copied' ? 'Copied' : copied === 'selected' ? 'Selected — press Ctrl+C to copy' : '';
  return html`<li class="command" data-testid="command">
    <code class="check__command" id=${id} ref=${code}>${command}</code>
    <span class="command__copy">
      <button type="button" class="button button--quiet button--small" aria-label=${`Copy command ${index + 1}`}
        aria-describedby=${id} onClick=${copy}>Copy</button>
      <span class="command__feedback" role="status" data-testid="copy-feedback">${feedback}</span>
    </span>
  </li>`;
}

/**
 * Commands, numbered, each copyable.
 * @param {{commands: string[], idPrefix: string, label?: string}} props
 */
export function CommandList({ commands, idPrefix, label }) {
  return html`<ol class="commands" aria-label=${label}>
    ${commands.map((command, index) => html`<${CommandLine} key=${`${index}:${command}`} command=${command} index=${index}
      idPrefix=${idPrefix} />`)}
  </ol>`;
}

/**
 * The warning a succeeded create carries when it could not grant access: its message (a
 * warning, not a failure) and, behind Grant access, the commands and the portal link.
 * @param {{warning: TaskError, idPrefix: string}} props
 */
export function GrantAccess({ warning, idPrefix }) {
  const [open, setOpen] = useState(false);
  const grants = (warning.actions ?? []).filter((action) => action.kind === 'grant_access');
  const panel = `${idPrefix}-panel`;
  return html`<div class="grant" data-testid="grant-access">
    <p class="notice notice--warning grant__message">${warning.message}</p>
    ${grants.map((action, index) => {
      const url = safeHttpsUrl(action.url);
      const commands = Array.isArray(action.commands) ? action.commands.filter((command) => typeof command === 'string') : [];
      const id = `${panel}-${index}`;
      return html`<div class="grant__action">
        <button type="button" class="button button--small" aria-expanded=${open ? 'true' : 'false'} aria-controls=${id}
          onClick=${() => setOpen(!open)}>${action.label || 'Grant access'}</button>
        <div class="grant__panel" id=${id} hidden=${!open}>
          ${commands.length
            ? html`<p>An administrator of the cluster's resource group can grant it with:</p>
                <${CommandList} commands=${commands} idPrefix=${`${id}-command`} label="Commands that grant access" />`
            : null}
          ${url ? html`<a class="action action--link" href=${url} target="_blank" rel="noopener">Open access control in Azure portal</a>` : null}
        </div>
      </div>`;
    })}
  </div>`;
}
