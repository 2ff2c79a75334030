// The live preflight part of the Create dialog: the price line and the "Preflight checks"
// list (status as text, message, actions), announced politely to screen readers.

import { element, replaceChildren } from '../element.js';
import { planCheckActions } from '../preflight-model.js';

const STATUS_ICONS = { pass: '✓', warn: '!', fail: '✖', unknown: '?' };
const icon = (glyph) => element('span', { className: 'icon', text: glyph, attrs: { 'aria-hidden': 'true' } });

/** Copy a command to the clipboard; where that is refused, select it for a manual copy. */
async function copyCommand(code, button) {
  try {
    await navigator.clipboard.writeText(code.textContent);
    button.textContent = 'Copied';
  } catch (problem) {
    console.info('Clipboard refused; the command is selected instead.', problem);
    window.getSelection()?.selectAllChildren(code);
  }
}

/** A command shown as code the user can copy. */
function commandAction(item) {
  const code = element('code', { className: 'check__command', text: item.value });
  const copy = element('button', {
    type: 'button',
    className: 'button button--quiet button--small',
    text: 'Copy command',
    on: { click: (event) => copyCommand(code, event.currentTarget) },
  });
  return element('div', { className: 'check__command-row' }, element('span', { text: item.label }), code, copy);
}

const smallButton = (label, onClick) =>
  element('button', { type: 'button', className: 'button button--small', text: label, on: { click: onClick } });

/** How each planned action becomes DOM; `handlers` carries the dialog's callbacks. */
const ACTION_RENDERERS = {
  link: (item) =>
    element(
      'a',
      { className: 'action action--link', attrs: { href: item.url, target: '_blank', rel: 'noopener noreferrer' } },
      element('span', { text: item.label }),
      icon('↗'),
    ),
  text: (item) => element('span', { className: 'action action--text', text: item.label }),
  command: (item) => commandAction(item),
  apply_nodes: (item, { onApplyNodes }) => smallButton(item.label, () => onApplyNodes(item.value)),
  edit: (item, { onEditField }) => (item.field ? smallButton(item.label, () => onEditField(item.field)) : null),
};

/** One line of the list: the status in words, the message, then what to do about it. */
function checkItem(check, handlers) {
  const status = Object.hasOwn(STATUS_ICONS, check.status) ? check.status : 'unknown';
  const actions = planCheckActions(check).map((item) => ACTION_RENDERERS[item.kind](item, handlers));
  return element(
    'li',
    { className: `check check--${status}`, dataset: { checkId: String(check.id ?? '') } },
    element('span', { className: 'check__status' }, icon(STATUS_ICONS[status]), element('span', { text: status })),
    element('span', { className: 'check__message', text: check.message ?? '' }),
    actions.some(Boolean) ? element('div', { className: 'check__actions' }, actions) : null,
  );
}

/** Create the panel; `render(view)` shows a preflightView (state/preflight.js). */
export function createPreflightPanel({ onApplyNodes, onEditField }) {
  const price = element('p', { className: 'price-line', attrs: { 'data-testid': 'price-line' } });
  const note = element('p', { className: 'preflight__note', attrs: { 'data-testid': 'preflight-note' } });
  const list = element('ul', {
    className: 'preflight__checks',
    attrs: { 'aria-labelledby': 'preflight-title', 'aria-live': 'polite', 'data-testid': 'preflight-checks' },
  });
  const section = element(
    'section',
    { className: 'preflight' },
    element('h3', { className: 'preflight__title', text: 'Preflight checks', attrs: { id: 'preflight-title' } }),
    note,
    list,
  );

  function render(view) {
    price.textContent = view.price;
    note.textContent = view.note;
    if (view.busy) list.setAttribute('aria-busy', 'true');
    else list.removeAttribute('aria-busy');
    replaceChildren(list, view.checks.map((check) => checkItem(check, { onApplyNodes, onEditField })));
  }

  return { price, section, render };
}
