// @ts-check
// The last failed attempt in localStorage: instant banner on reload, and other tabs
// follow through the window `storage` event. Storage and event target are injected.

import { normalizeSnapshot } from './failure-snapshot.js';

/** @typedef {import('./failure-snapshot.js').Snapshot} Snapshot */
/** @typedef {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} StorageLike */
/** @typedef {Pick<EventTarget, 'addEventListener' | 'removeEventListener'>} EventSource */

export const STORAGE_KEY = 'elb_last_failed_provision_v1';
export const MAX_STORED_CHARS = 32 * 1024;

/**
 * Parse a stored string into a snapshot, or null when it is absent, corrupt or foreign.
 * @param {unknown} raw
 */
export function parseStoredSnapshot(raw) {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_STORED_CHARS) return null;
  try {
    return normalizeSnapshot(JSON.parse(raw));
  } catch {
    return null;
  }
}

/**
 * A store over one localStorage key; never throws (storage may be full or disabled).
 * @param {{storage: StorageLike, eventTarget: EventSource, onProblem?: (problem: unknown) => void}} deps
 */
export function createLastFailedStore({ storage, eventTarget, onProblem = () => {} }) {
  const remove = () => {
    try {
      storage.removeItem(STORAGE_KEY);
    } catch (problem) {
      onProblem(problem);
    }
  };

  /** The saved snapshot; a corrupt or foreign value is removed and reads as null. */
  function load() {
    let raw;
    try {
      raw = storage.getItem(STORAGE_KEY);
    } catch (problem) {
      onProblem(problem);
      return null;
    }
    if (raw === null || raw === undefined) return null;
    const snapshot = parseStoredSnapshot(raw);
    if (snapshot === null) remove();
    return snapshot;
  }

  /**
   * Save a snapshot (normalized); returns what was stored, or null if it was not valid.
   * @param {unknown} snapshot
   */
  function save(snapshot) {
    const clean = normalizeSnapshot(snapshot);
    if (clean === null) return null;
    const raw = JSON.stringify(clean);
    if (raw.length > MAX_STORED_CHARS) return null;
    try {
      storage.setItem(STORAGE_KEY, raw);
    } catch (problem) {
      onProblem(problem);
    }
    return clean;
  }

  /** Forget the snapshot (Dismiss, a later success, a resolved failure). */
  function clear() {
    remove();
  }

  /**
   * Call back with the new snapshot (or null) when ANOTHER tab changes the key. The
   * callback only receives values; this never writes, so applying a change cannot echo.
   * @param {(snapshot: Snapshot | null) => void} callback
   */
  function subscribe(callback) {
    /** @param {Event} raw */
    const listener = (raw) => {
      const event = /** @type {StorageEvent} */ (raw);
      if (!event || event.storageArea !== storage) return;
      if (event.key === null) {
        callback(null);
        return;
      }
      if (event.key !== STORAGE_KEY) return;
      callback(parseStoredSnapshot(event.newValue));
    };
    eventTarget.addEventListener('storage', listener);
    return () => eventTarget.removeEventListener('storage', listener);
  }

  return { load, save, clear, subscribe };
}
