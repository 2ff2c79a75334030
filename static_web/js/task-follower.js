// @ts-check
// Follows running tasks — the create attempt and every cluster operation alike — by reading
// /api/tasks/{id} about every 2 s until each finishes. When another tab has just reported a
// task, this tab's next read of it is pushed back, so open tabs share one poll between them.

import { isActive, POLL_INTERVAL_MS } from './progress.js';

/** @typedef {import('./contract.js').TaskDocument} TaskDocument */

/**
 * @typedef {object} FollowerDeps
 * @property {(taskId: string) => Promise<TaskDocument>} getTask
 * @property {(task: TaskDocument) => void} onTask every document read (active or finished)
 * @property {(taskId: string) => void} onGone the task no longer exists (404)
 * @property {(taskId: string, problem: unknown) => void} [onProblem] a read failed; it is retried
 * @property {(fn: () => void, ms: number) => unknown} [setTimer]
 * @property {(id: any) => void} [clearTimer]
 * @property {number} [intervalMs]
 */

/** @param {FollowerDeps} deps */
export function createTaskFollower({
  getTask,
  onTask,
  onGone,
  onProblem = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
  intervalMs = POLL_INTERVAL_MS,
}) {
  /** @type {Map<string, {timer: unknown, reading: boolean}>} */
  const followed = new Map();

  /**
   * @param {string} taskId
   * @param {number} delay
   */
  function schedule(taskId, delay) {
    const entry = followed.get(taskId);
    if (!entry) return;
    if (entry.timer !== null) clearTimer(entry.timer);
    entry.timer = setTimer(() => read(taskId), delay);
  }

  /** @param {string} taskId */
  async function read(taskId) {
    const entry = followed.get(taskId);
    if (!entry || entry.reading) return;
    entry.timer = null;
    entry.reading = true;
    let task;
    try {
      task = await getTask(taskId);
    } catch (problem) {
      entry.reading = false;
      if (followed.get(taskId) !== entry) return;
      if (/** @type {{status?: number}} */ (problem)?.status === 404) {
        followed.delete(taskId);
        onGone(taskId);
        return;
      }
      onProblem(taskId, problem);
      schedule(taskId, intervalMs);
      return;
    }
    entry.reading = false;
    if (followed.get(taskId) !== entry) return;
    if (!isActive(task.status)) followed.delete(taskId);
    else schedule(taskId, intervalMs);
    onTask(task);
  }

  return {
    /**
     * Follow a task until it finishes; `wait` reads it only after one interval (another tab
     * has just reported it), else it is read now.
     * @param {string} taskId
     * @param {{wait?: boolean}} [options]
     */
    follow(taskId, { wait = false } = {}) {
      if (followed.has(taskId)) {
        if (wait) schedule(taskId, intervalMs);
        return;
      }
      followed.set(taskId, { timer: null, reading: false });
      if (wait) schedule(taskId, intervalMs);
      else read(taskId);
    },
    /**
     * Stop following (the task finished elsewhere).
     * @param {string} taskId
     */
    forget(taskId) {
      const entry = followed.get(taskId);
      if (entry?.timer != null) clearTimer(entry.timer);
      followed.delete(taskId);
    },
    /** @param {string} taskId */
    isFollowing(taskId) {
      return followed.has(taskId);
    },
  };
}

/** @typedef {ReturnType<typeof createTaskFollower>} TaskFollower */
