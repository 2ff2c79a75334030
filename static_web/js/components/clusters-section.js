// The "Your clusters" region: its heading, a note when the list is stale or empty, and one
// row per cluster — rendered from the store's `clusters` slice (and the failures the attempt
// history records), rows kept by cluster key.

import { clusterKey, listNote, problemFor, recordedProblems } from '../clusters-model.js';
import { shownClusters } from '../clusters-tracker.js';
import { element } from '../element.js';
import { createClusterRow } from './cluster-row.js';

/** Create the section over `store`; `onAction(name, cluster, trigger)` runs a row's button. */
export function createClustersSection({ store, onAction }) {
  const note = element('p', { className: 'muted clusters__note', attrs: { role: 'status', 'data-testid': 'clusters-note' } });
  const list = element('ul', { className: 'clusters__list', attrs: { 'aria-labelledby': 'your-clusters-title' } });
  const section = element(
    'section',
    { className: 'card clusters', attrs: { 'aria-labelledby': 'your-clusters-title', 'data-testid': 'your-clusters' } },
    element('h2', { className: 'card__title', text: 'Your clusters', attrs: { id: 'your-clusters-title' } }),
    note,
    list,
  );
  const rows = new Map(); // cluster key → row component

  function renderRows(slice, recorded) {
    const shown = shownClusters(slice);
    const keys = new Set(shown.map(clusterKey));
    for (const [key, row] of rows) {
      if (!keys.has(key)) {
        row.element.remove();
        rows.delete(key);
      }
    }
    shown.forEach((cluster, index) => {
      const key = clusterKey(cluster);
      if (!rows.has(key)) rows.set(key, createClusterRow({ onAction }));
      const row = rows.get(key);
      row.update(cluster, slice.followed[key] ?? null, problemFor(cluster, slice.problems[key], recorded[key]));
      // Move a row only when it is out of place: moving a node would drop its focus.
      if (list.children[index] !== row.element) list.insertBefore(row.element, list.children[index] ?? null);
    });
  }

  let recorded = {};

  function render(state, previous = null) {
    const historyChanged = state.history.jobs !== previous?.history.jobs;
    if (state.clusters === previous?.clusters && !historyChanged) return;
    if (historyChanged) recorded = recordedProblems(state.history.jobs);
    note.textContent = listNote(state.clusters);
    renderRows(state.clusters, recorded);
  }

  render(store.getState());
  store.subscribe(render);
  return { element: section };
}
