// Wires "Your clusters" together: the section, its three dialogs, the tracker and the
// cross-tab broadcast, plus the refresh when the tab becomes visible or another tab changes.

import { DIALOG_SPECS } from './cluster-dialog-specs.js';
import { clusterKey, OPERATIONS, rowProblem } from './clusters-model.js';
import { createClustersBroadcast } from './clusters-broadcast.js';
import { createClustersTracker } from './clusters-tracker.js';
import { createClusterDialog } from './components/cluster-dialog.js';
import { createClustersSection } from './components/clusters-section.js';
import { clusterProblemShown } from './state/clusters.js';

/** localStorage for the broadcast, or null when the browser refuses it (no cross-tab then). */
function storageOf(win) {
  try {
    return win.localStorage;
  } catch (problem) {
    console.warn('localStorage is unavailable; other tabs will not follow cluster changes.', problem);
    return null;
  }
}

/**
 * Create the feature; `start()` reads the list and begins listening. `onChange()` runs when an
 * operation starts or ends in this tab or another (the attempt history then reloads).
 */
export function createYourClusters({ store, api, onChange = () => {}, win = window, doc = document }) {
  const broadcast = createClustersBroadcast({
    storage: storageOf(win),
    eventTarget: win,
    onProblem: (problem) => console.warn('Could not tell other tabs about a cluster change.', problem),
  });
  const tracker = createClustersTracker({ api, store, broadcast, onChange: () => onChange() });
  const dialogs = Object.fromEntries(
    Object.entries(OPERATIONS)
      .filter(([, operation]) => operation.dialog)
      .map(([name, operation]) => [
        name,
        createClusterDialog(operation.dialog, DIALOG_SPECS[operation.dialog], {
          onSubmit: (cluster, body) => tracker.run(cluster, operation, body),
        }),
      ]),
  );

  /** A row button: open its dialog, or run it at once and show a refusal in the row. */
  async function onAction(name, cluster) {
    if (dialogs[name]) {
      dialogs[name].open(cluster);
      return;
    }
    try {
      await tracker.run(cluster, OPERATIONS[name]);
    } catch (problem) {
      const message = `Could not ${OPERATIONS[name].verb} the cluster: ${problem.message}`;
      store.dispatch(clusterProblemShown(clusterKey(cluster), rowProblem({ message })));
    }
  }

  const section = createClustersSection({ store, onAction });
  section.element.append(...Object.values(dialogs).map((dialog) => dialog.element));

  function start() {
    broadcast.listen(() => {
      tracker.refresh();
      onChange();
    });
    doc.addEventListener('visibilitychange', () => {
      if (doc.visibilityState === 'visible') tracker.refresh();
    });
    tracker.refresh();
  }

  return { element: section.element, start, refresh: tracker.refresh };
}
