// @ts-check
// Every tab of this browser in step: what one tab learns (a task document, the cluster list,
// the history, a stop on its way) is posted to the others over a BroadcastChannel, or — where
// there is none — through the `storage` event of one localStorage key. A received message is
// only applied, never posted again, so nothing echoes.

export const CHANNEL_NAME = 'elb_dashboard_v1';
export const FALLBACK_KEY = 'elb_dashboard_sync_v1';

/**
 * @typedef {{type: 'task', task: import('./contract.js').TaskDocument}
 *   | {type: 'stopping', taskId: string}
 *   | {type: 'clusters', clusters: import('./contract.js').Cluster[], degraded: boolean}
 *   | {type: 'history', jobs: import('./contract.js').TaskDocument[]}} SyncMessage
 */

const TYPES = new Set(['task', 'stopping', 'clusters', 'history']);

/**
 * The message in a value another tab sent, or null for anything foreign or corrupt.
 * @param {unknown} value
 * @returns {SyncMessage | null}
 */
export function readMessage(value) {
  if (!value || typeof value !== 'object') return null;
  const message = /** @type {Record<string, unknown>} */ (value);
  if (typeof message.type !== 'string' || !TYPES.has(message.type)) return null;
  if (message.type === 'task' && (typeof message.task !== 'object' || message.task === null)) return null;
  if (message.type === 'task' && typeof (/** @type {any} */ (message.task).task_id) !== 'string') return null;
  if (message.type === 'stopping' && typeof message.taskId !== 'string') return null;
  if (message.type === 'clusters' && !Array.isArray(message.clusters)) return null;
  if (message.type === 'history' && !Array.isArray(message.jobs)) return null;
  return /** @type {SyncMessage} */ (message);
}

/**
 * @typedef {object} ChannelLike
 * @property {(message: unknown) => void} postMessage
 * @property {(type: 'message', listener: (event: MessageEvent) => void) => void} addEventListener
 * @property {() => void} close
 */

/**
 * @typedef {object} TabSyncDeps
 * @property {((name: string) => ChannelLike) | null} openChannel null where BroadcastChannel is missing
 * @property {Pick<Storage, 'setItem'> | null} storage the fallback's localStorage (null: none)
 * @property {Pick<EventTarget, 'addEventListener'>} eventTarget the window, for `storage` events
 * @property {(problem: unknown) => void} [onProblem]
 */

/**
 * Open the sync; `listen(onMessage)` hears the other tabs, `post(message)` tells them.
 * @param {TabSyncDeps} deps
 */
export function createTabSync({ openChannel, storage, eventTarget, onProblem = () => {} }) {
  /** @type {ChannelLike | null} */
  let channel = null;
  if (openChannel) {
    try {
      channel = openChannel(CHANNEL_NAME);
    } catch (problem) {
      onProblem(problem);
    }
  }

  /** @param {SyncMessage} message */
  function post(message) {
    try {
      if (channel) channel.postMessage(message);
      else storage?.setItem(FALLBACK_KEY, JSON.stringify({ message, nonce: Math.random() }));
    } catch (problem) {
      onProblem(problem);
    }
  }

  /** @param {(message: SyncMessage) => void} onMessage */
  function listen(onMessage) {
    if (channel) {
      channel.addEventListener('message', (event) => {
        const message = readMessage(event.data);
        if (message) onMessage(message);
      });
      return;
    }
    eventTarget.addEventListener('storage', (raw) => {
      const event = /** @type {StorageEvent} */ (raw);
      if (event.key !== FALLBACK_KEY || typeof event.newValue !== 'string') return;
      let parsed;
      try {
        parsed = JSON.parse(event.newValue);
      } catch {
        return;
      }
      const message = readMessage(parsed?.message);
      if (message) onMessage(message);
    });
  }

  return { post, listen, usesChannel: channel !== null };
}

/** @typedef {ReturnType<typeof createTabSync>} TabSync */
