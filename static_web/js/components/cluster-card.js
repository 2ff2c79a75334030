// The cluster card: Create cluster, the banner slot, live progress of the tracked attempt with
// Stop, the card's notice and the recent attempts list — all rendered from the store.

import { element, replaceChildren } from '../element.js';
import { statusLabel } from '../progress.js';
import { historyNote } from '../state/history.js';
import { createAttemptView } from './attempt-view.js';

const formatTime = (iso) => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

/** How Recent attempts names each task type (a create is just the cluster name). */
const HISTORY_VERBS = Object.freeze({
  aks_delete: 'Delete ',
  aks_stop: 'Stop ',
  aks_start: 'Start ',
  aks_scale: 'Scale ',
  aks_upgrade: 'Upgrade ',
});

/** One row of Recent attempts. */
function historyItem(job) {
  const request = job.request ?? {};
  const status = String(job.status ?? '');
  const verb = HISTORY_VERBS[job.type] ?? '';
  const where = [request.resource_group, request.region].filter(Boolean).join(' · ');
  return element(
    'li',
    { className: 'history__item', attrs: { 'data-testid': 'history-item', 'data-status': status } },
    element('span', { className: `badge badge--${/^[a-z]+$/.test(status) ? status : 'unknown'}`, text: statusLabel(status) }),
    element(
      'span',
      { className: 'history__what' },
      element('span', { className: 'history__name', text: `${verb}${request.cluster_name ?? job.task_id ?? ''}` }),
      element('span', { className: 'history__meta muted', text: [where, formatTime(job.created_at)].filter(Boolean).join(' · ') }),
    ),
  );
}

/** The notice's optional link: https only (the store holds only safe URLs). */
const noticeLink = (link) =>
  link
    ? element('a', {
        className: 'notice__link',
        text: link.label,
        attrs: { href: link.url, target: '_blank', rel: 'noopener noreferrer' },
      })
    : null;

/**
 * Create the card over `store`. `onCreate()` opens the dialog, `onStop()` cancels the tracked
 * attempt; `banner` is the banner slot element shown at the top of the card.
 */
export function createClusterCard({ store, banner, onCreate, onStop, now = () => Date.now(), ...timers }) {
  const createButton = element('button', {
    type: 'button',
    className: 'button button--primary',
    text: 'Create cluster',
    attrs: { 'data-testid': 'create-cluster' },
    on: { click: () => onCreate() },
  });
  const attemptArea = element('div', { className: 'attempt', attrs: { 'data-testid': 'current-attempt' } });
  const attemptView = createAttemptView({ area: attemptArea, onStop, now, ...timers });
  const notice = element('p', { className: 'notice', attrs: { role: 'status', 'data-testid': 'card-notice' } });
  const historyList = element('ul', {
    className: 'history',
    attrs: { 'data-testid': 'recent-attempts', 'aria-labelledby': 'recent-attempts-title' },
  });
  const historyNoteLine = element('p', { className: 'muted history__note' });

  const card = element(
    'section',
    { className: 'card cluster-card', attrs: { 'aria-labelledby': 'cluster-card-title', 'data-testid': 'cluster-card' } },
    element(
      'div',
      { className: 'card__header' },
      element('h2', { className: 'card__title', text: 'AKS cluster', attrs: { id: 'cluster-card-title' } }),
      createButton,
    ),
    banner,
    attemptArea,
    notice,
    element(
      'section',
      { className: 'recent' },
      element('h3', { className: 'recent__title', text: 'Recent attempts', attrs: { id: 'recent-attempts-title' } }),
      historyList,
      historyNoteLine,
    ),
  );

  function renderNotice({ text, tone, link }) {
    notice.className = tone ? `notice notice--${tone}` : 'notice';
    replaceChildren(notice, text ? element('span', { text }) : null, noticeLink(link));
  }

  function renderHistory(history, previous) {
    if (previous === null || history.jobs !== previous.jobs) replaceChildren(historyList, history.jobs.map(historyItem));
    historyNoteLine.textContent = historyNote(history);
  }

  function render(state, previous = null) {
    if (state.attempt !== previous?.attempt) attemptView.render(state.attempt);
    if (state.notice !== previous?.notice) renderNotice(state.notice);
    if (state.history !== previous?.history) renderHistory(state.history, previous?.history ?? null);
  }

  render(store.getState());
  store.subscribe(render);
  return { element: card, focusCreate: () => createButton.focus() };
}
