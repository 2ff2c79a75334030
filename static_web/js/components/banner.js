// The "Last attempt failed" banner: an alert with the cluster name, the error
// card (headline, message, actions) and Dismiss. Shown from localStorage before any fetch.

import { element, replaceChildren } from '../element.js';
import { isCancelledWithPartialCluster } from '../failure-presentation.js';

/**
 * Create the banner slot over the store's `failure` slice. `renderErrorCard(snapshot)` builds
 * the ProvisionErrorCard; `onDismiss(snapshot)` clears the snapshot and tells the server.
 */
export function createBanner({ store, renderErrorCard, onDismiss }) {
  const slot = element('div', { className: 'banner-slot', attrs: { 'data-testid': 'banner-slot' } });

  /** Show a snapshot (or hide the banner for null). */
  function show(snapshot) {
    if (!snapshot) {
      replaceChildren(slot);
      return;
    }
    const where = [snapshot.resource_group, snapshot.region].filter(Boolean).join(' · ');
    const banner = element(
      'div',
      {
        className: isCancelledWithPartialCluster(snapshot) ? 'banner banner--warning' : 'banner',
        attrs: { role: 'alert', 'data-testid': 'last-failed-banner', 'data-task-id': snapshot.task_id },
      },
      element(
        'div',
        { className: 'banner__top' },
        element(
          'p',
          { className: 'banner__title' },
          element('strong', { text: 'Last attempt failed' }),
          element('span', { className: 'banner__sep', text: ' — ', attrs: { 'aria-hidden': 'true' } }),
          element('span', {
            className: 'banner__cluster',
            text: snapshot.cluster_name,
            attrs: { 'data-testid': 'banner-cluster-name' },
          }),
          where ? element('span', { className: 'banner__where', text: ` (${where})` }) : null,
        ),
        element('button', {
          type: 'button',
          className: 'button button--quiet',
          text: 'Dismiss',
          attrs: { 'data-testid': 'banner-dismiss' },
          on: { click: () => onDismiss(store.getState().failure) },
        }),
      ),
      renderErrorCard(snapshot),
    );
    replaceChildren(slot, banner);
  }

  show(store.getState().failure);
  store.subscribe((state, previous) => {
    if (state.failure !== previous.failure) show(state.failure);
  });
  return { element: slot };
}
