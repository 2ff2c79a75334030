// Boot: show the banner from localStorage synchronously, then ask the server (who is signed
// in, recent failures, running attempts); keep every tab in step through the storage event.

import { createApiClient } from './api.js';
import { createBanner } from './components/banner.js';
import { createClusterCard } from './components/cluster-card.js';
import { createCreateDialog } from './components/create-dialog.js';
import { ProvisionErrorCard } from './components/provision-error-card.js';
import { replaceChildren } from './element.js';
import {
  isSameCluster,
  requestFromSnapshot,
  sameSnapshot,
  snapshotFromTask,
} from './failure-snapshot.js';
import { isCancelledWithPartialCluster } from './failure-presentation.js';
import { CLEAR, decideHydration, REPLACE } from './hydration.js';
import { createLastFailedStore } from './last-failed-store.js';

const RECENT_FAILURE_HOURS = 24;

/** localStorage, or a throwaway in-memory stand-in when the browser refuses access. */
function browserStorage() {
  try {
    return window.localStorage;
  } catch (problem) {
    console.warn('localStorage is unavailable; the banner will not survive a reload.', problem);
    const items = new Map();
    return {
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => items.set(key, String(value)),
      removeItem: (key) => items.delete(key),
    };
  }
}

const storage = browserStorage();
const store = createLastFailedStore({
  storage,
  eventTarget: window,
  onProblem: (problem) => console.warn('Could not use localStorage.', problem),
});
const api = createApiClient({ fetch: window.fetch.bind(window) });

let shownFailure = null;

function renderErrorCard(snapshot, { inDialog = false, focusField = null } = {}) {
  const partial = isCancelledWithPartialCluster(snapshot);
  return ProvisionErrorCard({
    snapshot,
    api,
    extraPortalUrl: partial ? snapshot.progress.portal_url : null,
    onEditRetry: inDialog ? null : (failure) => editAndRetry(failure),
    onEditAction: inDialog ? () => focusField?.() : (failure) => editAndRetry(failure),
    onPartialClusterDeleted: (failure) => partialClusterDeleted(failure),
  });
}

const banner = createBanner({
  renderErrorCard: (snapshot) => renderErrorCard(snapshot),
  onDismiss: (snapshot) => dismiss(snapshot),
});

/** Show (or hide) the banner for a snapshot; re-rendering the same failure is skipped. */
function showFailure(snapshot) {
  if (sameSnapshot(shownFailure, snapshot)) return;
  shownFailure = snapshot;
  banner.show(snapshot);
}

// instant banner from localStorage, before any network work.
showFailure(store.load());

const dialog = createCreateDialog({
  api,
  onStarted: (answer, body) => {
    card.track(answer.task_id, {
      task_id: answer.task_id,
      status: answer.status ?? 'queued',
      created_at: new Date().toISOString(),
      request: body,
      progress: {},
    });
    card.refresh({ resume: false });
  },
  renderErrorCard: (snapshot, { focusField }) => renderErrorCard(snapshot, { inDialog: true, focusField }),
});

const card = createClusterCard({
  api,
  banner: banner.element,
  onCreate: () => dialog.open(),
  onAttemptFailed: (task) => {
    const snapshot = store.save(snapshotFromTask(task));
    showFailure(snapshot);
  },
  onAttemptSucceeded: (task) => {
    if (isSameCluster(store.load(), task)) {
      store.clear();
      showFailure(null);
    }
  },
});

function editAndRetry(failure) {
  dialog.open({ prefill: requestFromSnapshot(failure), failure });
}

function dismiss(snapshot) {
  store.clear();
  showFailure(null);
  card.focusCreate();
  if (!snapshot) return;
  api.dismiss(snapshot.task_id).catch((problem) => {
    console.warn('The server did not record the dismissal.', problem);
  });
}

function partialClusterDeleted(failure) {
  if (shownFailure?.task_id === failure.task_id) {
    store.clear();
    showFailure(null);
  }
  card.showNotice('Partial cluster deleted', { tone: 'success' });
  card.refresh({ resume: false });
}

let hydrationRound = 0;

/** let the server's recent failures confirm, replace or clear the local snapshot. */
async function hydrate() {
  const round = ++hydrationRound;
  const before = store.load();
  let outcome;
  try {
    outcome = await api.recentFailedProvisions(RECENT_FAILURE_HOURS, 1);
  } catch (problem) {
    console.info('Recent failures unavailable; keeping the local banner.', problem);
    outcome = { failed: true };
  }
  if (round !== hydrationRound) return;
  const now = store.load();
  // Another tab changed the snapshot while we waited: the answer is about an older state.
  if (!sameSnapshot(before, now)) {
    showFailure(now);
    return;
  }
  const decision = decideHydration(now, outcome);
  if (decision.action === REPLACE) showFailure(store.save(decision.snapshot) ?? decision.snapshot);
  else if (decision.action === CLEAR) {
    store.clear();
    showFailure(null);
  } else showFailure(now);
}

async function showSignedIn() {
  const target = document.querySelector('[data-testid="signed-in"]');
  if (!target) return;
  try {
    const principal = await api.me();
    const name = principal?.userDetails || principal?.userId;
    target.textContent = name ? `Signed in as ${name}` : 'Not signed in';
  } catch (problem) {
    console.info('Could not read /.auth/me.', problem);
    target.textContent = 'Sign-in status unavailable';
  }
}

const mount = document.getElementById('app');
replaceChildren(mount, card.element, dialog.element);

store.subscribe((snapshot) => showFailure(snapshot));
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    hydrate();
    card.refresh({ resume: true });
  }
});

showSignedIn();
hydrate();
card.refresh({ resume: true });

