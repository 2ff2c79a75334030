// Boot and wiring: show the banner from localStorage synchronously, then ask the server (who
// is signed in, recent failures, running attempts); keep every tab in step through the
// storage event. State lives in the store (state/), rules in the modules it wires together.

import { createApiClient } from './api.js';
import { FAILED, SUCCEEDED } from './attempt-outcome.js';
import { createAttemptTracker } from './attempt-tracker.js';
import { createBanner } from './components/banner.js';
import { createClusterCard } from './components/cluster-card.js';
import { createCreateDialog } from './components/create-dialog.js';
import { ProvisionErrorCard } from './components/provision-error-card.js';
import { replaceChildren } from './element.js';
import { requestFromSnapshot } from './failure-snapshot.js';
import { isCancelledWithPartialCluster } from './failure-presentation.js';
import { createLastFailedStore } from './last-failed-store.js';
import { createLastFailureSync } from './last-failure-sync.js';
import { noticeShown } from './state/actions.js';
import { createDashboardStore } from './state/dashboard-store.js';
import { createYourClusters } from './your-clusters.js';

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

const store = createDashboardStore();
const api = createApiClient({ fetch: window.fetch.bind(window) });
const lastFailed = createLastFailedStore({
  storage: browserStorage(),
  eventTarget: window,
  onProblem: (problem) => console.warn('Could not use localStorage.', problem),
});
const failures = createLastFailureSync({ lastFailed, store, api });
const yourClusters = createYourClusters({ store, api, onChange: () => tracker.refreshHistory({ resume: false }) });

// instant banner from localStorage, before any network work.
failures.showSaved();

function renderErrorCard(snapshot, { inDialog = false, focusField = null } = {}) {
  const partial = isCancelledWithPartialCluster(snapshot);
  return ProvisionErrorCard({
    snapshot,
    api,
    extraPortalUrl: partial ? snapshot.progress.portal_url : null,
    onEditRetry: inDialog ? null : editAndRetry,
    onEditAction: inDialog ? () => focusField?.() : editAndRetry,
    onPartialClusterDeleted: partialClusterDeleted,
  });
}

const tracker = createAttemptTracker({
  api,
  store,
  onFinished: ({ report, task }) => {
    if (report === FAILED) failures.attemptFailed(task);
    else if (report === SUCCEEDED) failures.attemptSucceeded(task);
    yourClusters.refresh();
  },
});

const banner = createBanner({
  store,
  renderErrorCard: (snapshot) => renderErrorCard(snapshot),
  onDismiss: (snapshot) => {
    failures.dismiss(snapshot);
    card.focusCreate();
  },
});

const dialog = createCreateDialog({
  api,
  store,
  onStarted: (answer, body) => {
    tracker.track(answer.task_id, {
      task_id: answer.task_id,
      status: answer.status ?? 'queued',
      created_at: new Date().toISOString(),
      request: body,
      progress: {},
    });
    tracker.refreshHistory({ resume: false });
    yourClusters.refresh();
  },
  renderErrorCard: (snapshot, { focusField }) => renderErrorCard(snapshot, { inDialog: true, focusField }),
});

const card = createClusterCard({
  store,
  banner: banner.element,
  onCreate: () => dialog.open(),
  onStop: () => tracker.stop(),
});

function editAndRetry(failure) {
  dialog.open({ prefill: requestFromSnapshot(failure), failure });
}

function partialClusterDeleted(failure) {
  failures.partialClusterDeleted(failure);
  yourClusters.refresh();
  store.dispatch(noticeShown('Partial cluster deleted', { tone: 'success' }));
  tracker.refreshHistory({ resume: false });
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

replaceChildren(document.getElementById('app'), card.element, yourClusters.element, dialog.element);

failures.followOtherTabs();
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    failures.hydrate();
    tracker.refreshHistory({ resume: true });
  }
});

showSignedIn();
yourClusters.start();
failures.hydrate();
tracker.refreshHistory({ resume: true });
