// Keeps "Your clusters" current: reads the list (again in 10 s only while something changes),
// starts lifecycle operations, follows each running one through /api/tasks/{id} about every
// 2 s, and tells other tabs when one starts or ends. It talks to the API and the store only.

import {
  activeOperation,
  clusterKey,
  followedFromTask,
  nextRefreshMs,
  problemFromTask,
  withFollowedOperation,
} from './clusters-model.js';
import { isActive, POLL_INTERVAL_MS } from './progress.js';
import {
  clusterOperationEnded,
  clusterOperationFollowed,
  clustersLoaded,
  clustersUnavailable,
} from './state/clusters.js';

const STALE_LIST_STATUSES = new Set([404, 409]);

/** The clusters as this tab shows them: the list with the operations it follows laid over. */
export function shownClusters({ clusters, followed }) {
  return clusters.map((cluster) => withFollowedOperation(cluster, followed[clusterKey(cluster)]));
}

/**
 * Create the tracker. `broadcast` is {announce(taskId, phase)}; `onChange(phase)` runs when
 * an operation starts or ends here; timers are injectable so tests step them by hand.
 */
export function createClustersTracker({
  api,
  store,
  broadcast,
  onChange = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let refreshTimer = null;
  let reads = 0;
  const polls = new Map(); // cluster key → pending poll timer
  const ended = new Set(); // task ids seen finished: a stale list never revives them
  const slice = () => store.getState().clusters;

  function scheduleRefresh() {
    if (refreshTimer !== null) clearTimer(refreshTimer);
    const delay = nextRefreshMs(shownClusters(slice()));
    refreshTimer = delay === null ? null : setTimer(() => refresh(), delay);
  }

  /** Read the list now; a slower earlier read never overwrites a newer one. */
  async function refresh() {
    const read = ++reads;
    let answer;
    try {
      answer = await api.listClusters();
    } catch (problem) {
      console.info('Your clusters are unavailable.', problem);
      if (read === reads) store.dispatch(clustersUnavailable());
      if (read === reads) scheduleRefresh();
      return;
    }
    if (read !== reads) return;
    const clusters = Array.isArray(answer?.clusters) ? answer.clusters : [];
    store.dispatch(clustersLoaded(clusters, answer?.degraded === true));
    if (answer?.degraded !== true) followListedOperations(clusters);
    scheduleRefresh();
  }

  /** Follow operations the list shows that this tab did not start (another tab, a reload). */
  function followListedOperations(clusters) {
    for (const cluster of clusters) {
      const op = activeOperation(cluster);
      const key = clusterKey(cluster);
      if (!op || ended.has(op.task_id) || slice().followed[key]?.taskId === op.task_id) continue;
      follow(key, { taskId: op.task_id, type: op.type, status: op.status, step: op.step ?? null });
    }
  }

  function follow(key, followed) {
    if (polls.has(key)) clearTimer(polls.get(key));
    store.dispatch(clusterOperationFollowed(key, followed));
    poll(key, followed.taskId);
  }

  async function poll(key, taskId) {
    polls.delete(key);
    let task;
    try {
      task = await api.getTask(taskId);
    } catch (problem) {
      if (slice().followed[key]?.taskId !== taskId) return;
      if (problem.status === 404) return finish(key, taskId, null);
      polls.set(key, setTimer(() => poll(key, taskId), POLL_INTERVAL_MS));
      return;
    }
    if (slice().followed[key]?.taskId !== taskId) return;
    if (!isActive(task.status)) return finish(key, taskId, problemFromTask(task));
    store.dispatch(clusterOperationFollowed(key, followedFromTask(task)));
    polls.set(key, setTimer(() => poll(key, taskId), POLL_INTERVAL_MS));
  }

  function finish(key, taskId, problem) {
    ended.add(taskId);
    store.dispatch(clusterOperationEnded(key, taskId, problem));
    broadcast.announce(taskId, 'ended');
    onChange('ended');
    refresh();
  }

  /**
   * Start `verb` on a cluster; resolves once accepted, rejects with the ApiError if refused.
   * A 404 or 409 means the list was stale (changed elsewhere), so it is read again.
   */
  async function run(cluster, { verb, type }, body) {
    let answer;
    try {
      answer = await api.clusterOperation(cluster.resource_group, cluster.name, verb, body);
    } catch (problem) {
      if (STALE_LIST_STATUSES.has(problem.status)) refresh();
      throw problem;
    }
    follow(clusterKey(cluster), { taskId: answer.task_id, type, status: answer.status ?? 'queued', step: null });
    broadcast.announce(answer.task_id, 'started');
    onChange('started');
    scheduleRefresh();
    return answer;
  }

  return { refresh, run };
}
