// @ts-check
// The dashboard's state (signals) and everything that changes it: the create attempt, the
// recent attempts, Your clusters and their operations, the banner, and the other tabs. One
// follower polls every running task; one channel keeps the tabs in step; components only read
// the signals and call these functions. No DOM here, so node --test drives it with fakes.

import { batch, computed, signal } from '@preact/signals-core';

import { attemptOutcome, FAILED, SUCCEEDED } from './attempt-outcome.js';
import {
  activeOperation,
  clusterKey,
  filterText,
  followedFromTask,
  matchesFilter,
  nextRefreshMs,
  problemFromTask,
  recordedProblems,
  rowProblem,
  sortClusters,
  taskClusterKey,
  withFollowedOperation,
} from './clusters-model.js';
import { createFailures } from './failures.js';
import { shortMessage } from './failure-presentation.js';
import { timestampMs } from './failure-snapshot.js';
import { isActive, resumableAttempt } from './progress.js';
import { createTaskFollower } from './task-follower.js';

/** @typedef {import('./contract.js').TaskDocument} TaskDocument */
/** @typedef {import('./contract.js').Cluster} Cluster */
/** @typedef {import('./contract.js').OptionsDocument} OptionsDocument */
/** @typedef {import('./failure-snapshot.js').Snapshot} Snapshot */
/** @typedef {import('./attempt-outcome.js').Notice} Notice */
/** @typedef {import('./clusters-model.js').Followed} Followed */
/** @typedef {import('./clusters-model.js').Problem} Problem */
/** @typedef {import('./tab-sync.js').SyncMessage} SyncMessage */

export const HISTORY_LIMIT = 20;
export const GONE_NOTICE = 'That attempt is no longer available.';
export const RETRYING_NOTICE = 'Connection problem — still checking…';
export const PARTIAL_DELETED_NOTICE = 'Partial cluster deleted';

/** @type {Notice} */
export const NO_NOTICE = Object.freeze({ text: '', tone: 'info', link: null });

/**
 * What each row action starts on the server: its POST verb and the task type it creates.
 * @type {Readonly<Record<string, {verb: string, type: string}>>}
 */
export const OPERATIONS = Object.freeze({
  stop: { verb: 'stop', type: 'aks_stop' },
  start: { verb: 'start', type: 'aks_start' },
  scale: { verb: 'scale', type: 'aks_scale' },
  upgrade: { verb: 'upgrade', type: 'aks_upgrade' },
  delete: { verb: 'delete', type: 'aks_delete' },
});

/**
 * @typedef {object} Attempt the create attempt the card follows
 * @property {string} taskId
 * @property {TaskDocument} task
 * @property {boolean} stopping
 */

/**
 * @typedef {object} PartialDelete the Delete partial cluster this tab runs
 * @property {string} failureTaskId
 * @property {string | null} taskId
 * @property {'deleting' | 'failed'} status
 * @property {string} message
 */

/**
 * The open dialog, if any: its kind and what it is about.
 * @typedef {object} OpenDialog
 * @property {'create' | 'stop' | 'delete' | 'scale' | 'upgrade' | 'connect' | 'details' | 'delete-partial' | 'attempt'} kind
 * @property {string} [clusterKey]
 * @property {Cluster} [cluster] the cluster as listed when the dialog opened
 * @property {Snapshot} [snapshot]
 * @property {TaskDocument} [task]
 * @property {string} [part] the details part to show first
 */

/**
 * Where focus goes next (a component that owns the target moves it, then clears this).
 * @typedef {{target: 'attempt' | 'notice' | 'create' | 'cleanup'} | {target: 'row', key: string}} FocusRequest
 */

/**
 * One row of Your clusters: the listed cluster with what this tab knows laid over it.
 * @typedef {object} Row
 * @property {string} key
 * @property {Cluster} listed the cluster as the server listed it (its `actions` are the truth)
 * @property {Cluster} cluster with the followed operation laid over (badge, progress)
 * @property {Followed | null} followed
 * @property {Problem | null} problem
 * @property {string} haystack what the filter searches
 */

/** A fresh state: one signal per thing the page shows. */
export function createDashboardState() {
  return {
    signedIn: signal('Checking sign-in…'),
    /** @type {import('@preact/signals-core').Signal<Snapshot | null>} */
    failure: signal(null),
    /** @type {import('@preact/signals-core').Signal<Attempt | null>} */
    attempt: signal(null),
    notice: signal(NO_NOTICE),
    history: signal({ jobs: /** @type {TaskDocument[]} */ ([]), loaded: false, unavailable: false }),
    list: signal({ clusters: /** @type {Cluster[]} */ ([]), loaded: false, degraded: false, unavailable: false }),
    /** @type {import('@preact/signals-core').Signal<Record<string, Followed>>} */
    followed: signal({}),
    /** @type {import('@preact/signals-core').Signal<Record<string, Problem>>} */
    problems: signal({}),
    /** @type {import('@preact/signals-core').Signal<PartialDelete | null>} */
    partialDelete: signal(null),
    filter: signal(''),
    /** @type {import('@preact/signals-core').Signal<{region: string | null, loading: boolean, byRegion: Record<string, OptionsDocument>}>} */
    options: signal({ region: null, loading: false, byRegion: {} }),
    /** @type {import('@preact/signals-core').Signal<OpenDialog | null>} */
    dialog: signal(null),
    /** @type {import('@preact/signals-core').Signal<FocusRequest | null>} */
    focus: signal(null),
  };
}

/** @typedef {ReturnType<typeof createDashboardState>} DashboardState */

/**
 * @template T
 * @param {Record<string, T>} map
 * @param {string} key
 */
function without(map, key) {
  if (!(key in map)) return map;
  const { [key]: _dropped, ...rest } = map;
  return rest;
}

/**
 * @typedef {object} DashboardDeps
 * @property {import('./api.js').ApiClient} api
 * @property {ReturnType<typeof import('./last-failed-store.js').createLastFailedStore>} lastFailed
 * @property {import('./tab-sync.js').TabSync} sync
 * @property {(fn: () => void, ms: number) => unknown} [setTimer]
 * @property {(id: any) => void} [clearTimer]
 * @property {() => number} [clock]
 */

/** @param {DashboardDeps} deps */
export function createDashboard({
  api,
  lastFailed,
  sync,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
  clock = () => Date.now(),
}) {
  const state = createDashboardState();
  const failures = createFailures({ lastFailed, shown: state.failure, api });
  const follower = createTaskFollower({
    getTask: (taskId) => api.getTask(taskId),
    onTask: (task) => learnTask(task),
    onGone: taskGone,
    onProblem: (taskId) => {
      if (state.attempt.peek()?.taskId === taskId) state.notice.value = { text: RETRYING_NOTICE, tone: 'warning', link: null };
    },
    setTimer,
    clearTimer,
  });
  /** Task ids seen finished: a list read before they ended never brings them back. */
  const ended = new Set();
  /** @type {unknown} */
  let refreshTimer = null;
  let listReads = 0;
  let historyReads = 0;

  // ---- What the page derives from the state ----

  const recorded = computed(() => recordedProblems(state.history.value.jobs));
  /** @type {Map<string, Row>} */
  let rowCache = new Map();
  const rows = computed(() => {
    const followed = state.followed.value;
    const own = state.problems.value;
    const fromHistory = recorded.value;
    /** @type {Map<string, Row>} */
    const next = new Map();
    const built = sortClusters(state.list.value.clusters).map((listed) => {
      const key = clusterKey(listed);
      const follow = followed[key] ?? null;
      const cluster = withFollowedOperation(listed, follow ?? undefined);
      const problem = own[key] ?? (activeOperation(cluster) ? null : (fromHistory[key] ?? null));
      const previous = rowCache.get(key);
      // The same row object when nothing about it changed, so its component skips rendering.
      const row =
        previous && previous.listed === listed && previous.followed === follow && previous.problem === problem
          ? previous
          : { key, listed, cluster, followed: follow, problem, haystack: filterText(cluster) };
      next.set(key, row);
      return row;
    });
    rowCache = next;
    return built;
  });
  const shownKeys = computed(() => {
    const filter = state.filter.value;
    return new Set(rows.value.filter((row) => matchesFilter(row.haystack, filter)).map((row) => row.key));
  });
  const limits = computed(() => {
    for (const document of Object.values(state.options.value.byRegion)) if (document?.limits) return document.limits;
    return null;
  });

  /** @param {string} key */
  const clusterByKey = (key) => rows.peek().find((row) => row.key === key)?.listed ?? null;

  // ---- Tasks: the create attempt and cluster operations ----

  /**
   * A task document this tab read or started: apply it and tell the other tabs.
   * @param {TaskDocument} task
   */
  function learnTask(task) {
    applyTask(task, true);
    sync.post({ type: 'task', task });
  }

  /**
   * @param {TaskDocument} task
   * @param {boolean} own this tab read it (so it does the follow-up reads)
   */
  function applyTask(task, own) {
    batch(() => {
      rememberInHistory(task);
      if ((task.type ?? 'aks_provision') === 'aks_provision') applyAttempt(task, own);
      else applyOperation(task, own);
    });
  }

  /** @param {TaskDocument} task */
  function rememberInHistory(task) {
    const history = state.history.peek();
    const index = history.jobs.findIndex((job) => job.task_id === task.task_id);
    if (index >= 0) {
      const jobs = [...history.jobs];
      jobs[index] = { ...jobs[index], ...task };
      state.history.value = { ...history, jobs };
      return;
    }
    const created = timestampMs(task.created_at) ?? clock();
    const jobs = [...history.jobs];
    const at = jobs.findIndex((job) => (timestampMs(job.created_at) ?? 0) < created);
    jobs.splice(at < 0 ? jobs.length : at, 0, task);
    state.history.value = { ...history, jobs };
  }

  /**
   * @param {TaskDocument} task
   * @param {boolean} own
   */
  function applyAttempt(task, own) {
    const current = state.attempt.peek();
    if (isActive(task.status)) {
      if (current && current.taskId !== task.task_id) return; // this tab follows another attempt
      if (!current || state.notice.peek().tone === 'warning') state.notice.value = NO_NOTICE;
      state.attempt.value = { taskId: task.task_id, task, stopping: current?.stopping ?? false };
      follower.follow(task.task_id, { wait: !own });
      // The cluster now exists on Azure: Your clusters shows it (Creating) from here on.
      if (own && task.progress?.cluster_seen && !current?.task.progress?.cluster_seen) refreshClusters();
      return;
    }
    ended.add(task.task_id);
    if (!own) follower.forget(task.task_id);
    if (current?.taskId !== task.task_id) return;
    const { report, notice } = attemptOutcome(task);
    state.attempt.value = null;
    state.notice.value = notice;
    if (report === FAILED && own) failures.attemptFailed(task);
    if (report === SUCCEEDED) failures.attemptSucceeded(task);
    if (own) {
      refreshClusters();
      failures.hydrate();
    }
  }

  /**
   * @param {TaskDocument} task
   * @param {boolean} own
   */
  function applyOperation(task, own) {
    const key = taskClusterKey(task);
    const followed = state.followed.peek();
    if (isActive(task.status)) {
      if (ended.has(task.task_id)) return;
      state.followed.value = { ...followed, [key]: followedFromTask(task) };
      state.problems.value = without(state.problems.peek(), key);
      follower.follow(task.task_id, { wait: !own });
      return;
    }
    ended.add(task.task_id);
    if (!own) follower.forget(task.task_id);
    if (followed[key]?.taskId === task.task_id) {
      state.followed.value = without(followed, key);
      const problem = problemFromTask(task);
      const problems = state.problems.peek();
      state.problems.value = problem ? { ...problems, [key]: problem } : without(problems, key);
    }
    if (state.partialDelete.peek()?.taskId === task.task_id) partialDeleteFinished(task);
    if (own) {
      refreshClusters();
      failures.hydrate();
    }
  }

  /** @param {string} taskId */
  function taskGone(taskId) {
    if (state.attempt.peek()?.taskId === taskId) {
      state.attempt.value = null;
      state.notice.value = { text: GONE_NOTICE, tone: 'warning', link: null };
      return;
    }
    const followed = state.followed.peek();
    const key = Object.keys(followed).find((candidate) => followed[candidate].taskId === taskId);
    if (key) state.followed.value = without(followed, key);
    refreshClusters();
  }

  /**
   * Follow a create attempt in the card (a new one, or one still running on load).
   * @param {TaskDocument} task
   */
  function trackAttempt(task) {
    batch(() => {
      state.attempt.value = { taskId: task.task_id, task, stopping: false };
      state.notice.value = NO_NOTICE;
    });
    follower.follow(task.task_id);
  }

  /**
   * The Create dialog's POST was accepted: follow the new attempt here and in every tab.
   * @param {{task_id: string, status?: string}} answer
   * @param {import('./validation.js').ProvisionBody} body
   */
  function attemptStarted(answer, body) {
    /** @type {TaskDocument} */
    const task = {
      task_id: answer.task_id,
      type: 'aks_provision',
      status: answer.status ?? 'queued',
      created_at: new Date(clock()).toISOString(),
      trigger: 'user',
      request: body,
      progress: {},
    };
    batch(() => {
      rememberInHistory(task);
      state.attempt.value = { taskId: task.task_id, task, stopping: false };
      state.notice.value = NO_NOTICE;
      state.focus.value = { target: 'attempt' };
    });
    sync.post({ type: 'task', task });
    follower.follow(task.task_id);
    refreshClusters();
  }

  /** Stop attempt: ask the server to cancel the tracked create (once). */
  async function stopAttempt() {
    const attempt = state.attempt.peek();
    if (!attempt || attempt.stopping) return;
    state.attempt.value = { ...attempt, stopping: true };
    sync.post({ type: 'stopping', taskId: attempt.taskId });
    try {
      await api.cancel(attempt.taskId);
    } catch (problem) {
      const current = state.attempt.peek();
      if (current?.taskId !== attempt.taskId) return;
      batch(() => {
        state.attempt.value = { ...current, stopping: false };
        state.notice.value = {
          text: `Could not stop the attempt. ${/** @type {Error} */ (problem).message}`,
          tone: 'warning',
          link: null,
        };
      });
    }
  }

  // ---- Your clusters ----

  function scheduleRefresh() {
    if (refreshTimer !== null) clearTimer(refreshTimer);
    const delay = nextRefreshMs(rows.peek().map((row) => row.cluster));
    refreshTimer = delay === null ? null : setTimer(() => refreshClusters(), delay);
  }

  /** Read the list now; a slower earlier read never overwrites a newer one. */
  async function refreshClusters() {
    const read = ++listReads;
    let answer;
    try {
      answer = await api.listClusters();
    } catch (problem) {
      console.info('Your clusters are unavailable.', problem);
      if (read !== listReads) return;
      state.list.value = { ...state.list.peek(), unavailable: true };
      scheduleRefresh();
      return;
    }
    if (read !== listReads) return;
    const message = {
      type: /** @type {const} */ ('clusters'),
      clusters: Array.isArray(answer?.clusters) ? answer.clusters : [],
      degraded: answer?.degraded === true,
    };
    applyClusters(message, true);
    setTimer(() => sync.post(message), 0); // after this tab has drawn the list
  }

  /**
   * @param {{clusters: Cluster[], degraded: boolean}} answer
   * @param {boolean} own
   */
  function applyClusters({ clusters, degraded }, own) {
    if (!own) listReads += 1; // a read of ours still on its way is older than this list
    batch(() => {
      if (degraded) {
        state.list.value = { ...state.list.peek(), degraded: true, unavailable: false };
        return;
      }
      state.list.value = { clusters, loaded: true, degraded: false, unavailable: false };
      for (const cluster of clusters) followListed(cluster, own);
    });
    scheduleRefresh();
  }

  /**
   * Follow an operation the list shows that this tab did not start (another tab, a
   * guardrail, a reload). A create shows in the card, not in its row.
   * @param {Cluster} cluster
   * @param {boolean} own
   */
  function followListed(cluster, own) {
    const op = activeOperation(cluster);
    if (!op || op.type === 'aks_provision' || ended.has(op.task_id)) return;
    const key = clusterKey(cluster);
    const followed = state.followed.peek();
    if (followed[key]?.taskId === op.task_id) return;
    state.followed.value = { ...followed, [key]: { taskId: op.task_id, type: op.type, status: op.status, step: op.step ?? null } };
    follower.follow(op.task_id, { wait: !own });
  }

  /**
   * Start an operation on a cluster; resolves once accepted, rejects with the ApiError if
   * refused (a 404 or 409 means the list was stale, so it is read again).
   * @param {Cluster} cluster
   * @param {string} kind stop/start/scale/upgrade/delete
   * @param {unknown} [body]
   */
  async function runOperation(cluster, kind, body) {
    const { verb, type } = OPERATIONS[kind];
    let answer;
    try {
      answer = await api.clusterOperation(cluster, verb, body);
    } catch (problem) {
      const status = /** @type {{status?: number}} */ (problem).status;
      if (status === 404 || status === 409) refreshClusters();
      throw problem;
    }
    const key = clusterKey(cluster);
    /** @type {TaskDocument} */
    const task = {
      task_id: answer.task_id,
      type,
      status: answer.status ?? 'queued',
      created_at: new Date(clock()).toISOString(),
      trigger: 'user',
      request: { resource_group: cluster.resource_group, cluster_name: cluster.name },
      progress: {},
    };
    learnTask(task);
    state.focus.value = { target: 'row', key };
    refreshClusters();
    return answer;
  }

  /**
   * A row action that needs no dialog (Start): run it, and show a refusal in the row.
   * @param {Cluster} cluster
   * @param {string} kind
   */
  async function runNow(cluster, kind) {
    try {
      await runOperation(cluster, kind);
    } catch (problem) {
      const message = `Could not ${OPERATIONS[kind].verb} the cluster: ${/** @type {Error} */ (problem).message}`;
      state.problems.value = { ...state.problems.peek(), [clusterKey(cluster)]: rowProblem({ message }) };
      state.focus.value = { target: 'row', key: clusterKey(cluster) };
    }
  }

  // ---- The banner ----

  /**
   * Delete partial cluster: start the cleanup and follow it like any operation.
   * @param {Snapshot} snapshot
   */
  async function deletePartialCluster(snapshot) {
    state.partialDelete.value = {
      failureTaskId: snapshot.task_id,
      taskId: null,
      status: 'deleting',
      message: 'Deleting partial cluster…',
    };
    let answer;
    try {
      answer = await api.deleteCluster(snapshot.task_id);
    } catch (problem) {
      state.partialDelete.value = {
        failureTaskId: snapshot.task_id,
        taskId: null,
        status: 'failed',
        message: `Could not delete the partial cluster. ${/** @type {Error} */ (problem).message}`,
      };
      return;
    }
    state.partialDelete.value = {
      failureTaskId: snapshot.task_id,
      taskId: answer.task_id,
      status: 'deleting',
      message: 'Deleting partial cluster…',
    };
    learnTask({
      task_id: answer.task_id,
      type: 'aks_delete',
      status: answer.status ?? 'queued',
      created_at: new Date(clock()).toISOString(),
      trigger: 'user',
      request: { resource_group: snapshot.resource_group, cluster_name: snapshot.cluster_name },
      progress: {},
    });
  }

  /** @param {TaskDocument} task */
  function partialDeleteFinished(task) {
    const running = state.partialDelete.peek();
    if (!running) return;
    if (task.status === 'succeeded') {
      failures.partialClusterDeleted(running.failureTaskId);
      state.partialDelete.value = null;
      state.notice.value = { text: PARTIAL_DELETED_NOTICE, tone: 'success', link: null };
      state.focus.value = { target: 'notice' };
      return;
    }
    const reason = task.error?.message ? `: ${shortMessage(task.error.message)}` : '.';
    state.partialDelete.value = {
      ...running,
      status: 'failed',
      message: `Could not delete the partial cluster. The delete ${task.status}${reason}`,
    };
  }

  /**
   * Dismiss: the banner leaves every tab and the server forgets the failure.
   * @param {Snapshot | null} snapshot
   */
  function dismiss(snapshot) {
    failures.dismiss(snapshot);
    state.focus.value = { target: 'create' };
  }

  // ---- History, options, the other tabs ----

  /**
   * Reload the recent attempts; `resume` also follows the newest create still running.
   * @param {{resume?: boolean}} [options]
   */
  async function refreshHistory({ resume = false } = {}) {
    const read = ++historyReads;
    let jobs;
    try {
      const answer = await api.history(HISTORY_LIMIT);
      jobs = Array.isArray(answer?.jobs) ? answer.jobs : [];
    } catch (problem) {
      console.info('Recent attempts are unavailable.', problem);
      if (read === historyReads) state.history.value = { ...state.history.peek(), unavailable: true };
      return;
    }
    if (read !== historyReads) return;
    applyHistory(jobs);
    sync.post({ type: 'history', jobs });
    if (!resume || state.attempt.peek() !== null) return;
    const running = resumableAttempt(jobs);
    if (running && !ended.has(running.task_id)) trackAttempt(running);
  }

  /** @param {TaskDocument[]} jobs */
  function applyHistory(jobs) {
    state.history.value = { jobs, loaded: true, unavailable: false };
  }

  /** @type {AbortController | null} */
  let optionsRequest = null;

  /**
   * Ask what Azure offers in `region` (sizes, versions, limits); a document stays cached
   * for the page, and a late answer for a region no longer chosen never changes the choice.
   * @param {string} region
   */
  async function loadOptions(region) {
    const options = state.options.peek();
    state.options.value = { ...options, region, loading: !options.byRegion[region] };
    if (options.byRegion[region]) return;
    optionsRequest?.abort();
    const request = typeof AbortController === 'function' ? new AbortController() : null;
    optionsRequest = request;
    try {
      const document = await api.options(region, { signal: request?.signal });
      const now = state.options.peek();
      state.options.value = {
        ...now,
        loading: now.region === region ? false : now.loading,
        byRegion: { ...now.byRegion, [region]: document },
      };
    } catch (problem) {
      if (request?.signal.aborted) return; // a newer request owns the selects
      console.info(`Options for ${region} are unavailable; the static lists stay.`, problem);
      const now = state.options.peek();
      if (now.region === region) state.options.value = { ...now, loading: false };
    }
  }

  /** @param {SyncMessage} message */
  function received(message) {
    if (message.type === 'task') applyTask(message.task, false);
    else if (message.type === 'clusters') applyClusters(message, false);
    else if (message.type === 'history') {
      historyReads += 1;
      applyHistory(message.jobs);
    } else if (message.type === 'stopping') {
      const attempt = state.attempt.peek();
      if (attempt?.taskId === message.taskId) state.attempt.value = { ...attempt, stopping: true };
    }
  }

  /** The tab became visible again: the server may know more than this tab. */
  function tabVisible() {
    failures.hydrate();
    refreshHistory({ resume: true });
    refreshClusters();
  }

  /** Show the saved banner at once (before any network work), then ask the server. */
  function start() {
    failures.showSaved();
    failures.followOtherTabs();
    sync.listen(received);
    failures.hydrate();
    refreshHistory({ resume: true });
    refreshClusters();
    api.me().then(
      (principal) => {
        const name = principal?.userDetails || principal?.userId;
        state.signedIn.value = name ? `Signed in as ${name}` : 'Not signed in';
      },
      (problem) => {
        console.info('Could not read /.auth/me.', problem);
        state.signedIn.value = 'Sign-in status unavailable';
      },
    );
  }

  return {
    state,
    rows,
    shownKeys,
    limits,
    clusterByKey,
    start,
    tabVisible,
    attemptStarted,
    stopAttempt,
    refreshClusters,
    refreshHistory,
    runOperation,
    runNow,
    deletePartialCluster,
    dismiss,
    loadOptions,
    /** @param {OpenDialog} dialog */
    openDialog(dialog) {
      state.dialog.value = dialog;
    },
    closeDialog() {
      state.dialog.value = null;
    },
    /** @param {FocusRequest} request */
    requestFocus(request) {
      state.focus.value = request;
    },
  };
}

/** @typedef {ReturnType<typeof createDashboard>} Dashboard */
