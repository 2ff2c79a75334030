// One row of "Your clusters": name, facts, state badge, portal link, progress or problem, and
// the action buttons. Its nodes are built once and updated in place, so focus survives.

import { actionsFor, badgeFor, OPERATIONS, progressLine, rowFacts } from '../clusters-model.js';
import { element, replaceChildren } from '../element.js';
import { describeAction, safeHttpsUrl } from '../failure-presentation.js';

const BUTTON_CLASS = { Stop: 'button', Start: 'button', Scale: 'button', Upgrade: 'button', Delete: 'button button--danger-outline' };

/** The problem's classified actions: https links, anything else as inert text. */
function problemActions(actions) {
  return actions.map((action) => {
    const shown = describeAction(action);
    return shown.as === 'link'
      ? element('a', { className: 'action action--link', text: shown.label, attrs: { href: shown.url, target: '_blank', rel: 'noopener' } })
      : element('span', { className: 'action action--text', text: shown.label });
  });
}

function buildNodes(onAction) {
  const buttons = Object.fromEntries(
    Object.keys(OPERATIONS).map((name) => [
      name,
      element('button', { type: 'button', className: BUTTON_CLASS[name], text: name, hidden: true, on: { click: (event) => onAction(name, event.currentTarget) } }),
    ]),
  );
  return {
    name: element('h3', { className: 'cluster-row__name' }),
    badge: element('span', { className: 'badge', attrs: { 'data-testid': 'cluster-badge' } }),
    facts: element('dl', { className: 'cluster-row__facts' }),
    portal: element('a', { className: 'action action--link', text: 'Open in Azure portal', attrs: { target: '_blank', rel: 'noopener' } }),
    progress: element('p', { className: 'cluster-row__progress', attrs: { role: 'status', 'data-testid': 'cluster-progress' } }),
    problem: element('div', { className: 'cluster-row__problem', hidden: true, attrs: { 'aria-live': 'polite', 'data-testid': 'cluster-problem' } }),
    buttons,
  };
}

/** Create a row; `onAction(name, cluster, trigger)` runs when one of its buttons is pressed. */
export function createClusterRow({ onAction }) {
  let cluster = null;
  const nodes = buildNodes((name, trigger) => onAction(name, cluster, trigger));
  const row = element(
    'li',
    { className: 'cluster-row', attrs: { 'data-testid': 'cluster-row' } },
    element('div', { className: 'cluster-row__header' }, nodes.name, nodes.badge),
    nodes.facts,
    nodes.progress,
    nodes.problem,
    element('div', { className: 'cluster-row__actions' }, nodes.portal, Object.values(nodes.buttons)),
  );

  function renderProblem(problem) {
    nodes.problem.hidden = !problem;
    replaceChildren(
      nodes.problem,
      problem ? element('p', { className: 'cluster-row__problem-message', text: problem.message }) : null,
      problem?.actions.length ? element('p', { className: 'cluster-row__problem-actions' }, problemActions(problem.actions)) : null,
    );
  }

  /** Show `shown` (the cluster with any followed operation), its followed task and problem. */
  function update(shown, followed, problem) {
    cluster = shown;
    row.dataset.cluster = shown.name;
    nodes.name.textContent = shown.name;
    const badge = badgeFor(shown);
    nodes.badge.textContent = badge;
    nodes.badge.className = `badge badge--${badge.toLowerCase()}`;
    replaceChildren(nodes.facts, rowFacts(shown).flatMap(([label, value]) => [element('dt', { text: label }), element('dd', { text: value })]));
    const portalUrl = safeHttpsUrl(shown.portal_url);
    nodes.portal.hidden = !portalUrl;
    if (portalUrl) nodes.portal.setAttribute('href', portalUrl);
    nodes.progress.textContent = progressLine(shown, followed);
    renderProblem(problem);
    const offered = new Map(actionsFor(shown).map((action) => [action.name, action.enabled]));
    for (const [name, button] of Object.entries(nodes.buttons)) {
      button.hidden = !offered.has(name);
      button.disabled = offered.get(name) !== true;
    }
  }

  return { element: row, update };
}
