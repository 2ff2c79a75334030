// @ts-check
// Boot: show the banner from localStorage before any network work, render the page, then let
// the dashboard ask the server. One visibility handler, one channel to the other tabs, and
// focus that never falls to <body> when the control holding it goes away.

import { effect } from '@preact/signals';
import { html } from 'htm/preact';
import { render } from 'preact';

import { createApiClient } from './api.js';
import { App } from './components/app.js';
import { createCreateForm } from './create-form.js';
import { createDashboard } from './dashboard.js';
import { createLastFailedStore } from './last-failed-store.js';
import { createTabSync } from './tab-sync.js';

/** localStorage, or null when the browser refuses access to it. */
function localStorageOrNull() {
  try {
    return window.localStorage;
  } catch (problem) {
    console.warn('localStorage is unavailable; the banner will not survive a reload.', problem);
    return null;
  }
}

/** @returns {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} */
function inMemoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}

const storage = localStorageOrNull();
const api = createApiClient({ fetch: (url, init) => window.fetch(url, init) });
const dashboard = createDashboard({
  api,
  lastFailed: createLastFailedStore({
    storage: storage ?? inMemoryStorage(),
    eventTarget: window,
    onProblem: (problem) => console.warn('Could not use localStorage.', problem),
  }),
  sync: createTabSync({
    openChannel: typeof BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) : null,
    storage,
    eventTarget: window,
    onProblem: (problem) => console.warn('Could not reach the other tabs.', problem),
  }),
});
const createForm = createCreateForm({ api, dashboard });

dashboard.start();
const root = /** @type {HTMLElement} */ (document.getElementById('app'));
render(html`<${App} app=${{ dashboard, createForm }} />`, root);

const signedIn = document.querySelector('[data-testid="signed-in"]');
effect(() => {
  if (signedIn) signedIn.textContent = dashboard.state.signedIn.value;
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') dashboard.tabVisible();
});

// When the focused control leaves the page (a finished attempt's Stop attempt, a deleted
// cluster's row), focus moves to the nearest part that says where it was, else the page.
/** @type {HTMLElement | null} */
let focusHome = null;
document.addEventListener('focusin', (event) => {
  const target = /** @type {Element} */ (event.target);
  const holder = target.closest?.('[data-focus-fallback]');
  focusHome = holder ? document.getElementById(holder.getAttribute('data-focus-fallback') ?? '') : null;
});
document.addEventListener('focusout', (event) => {
  if (event.relatedTarget) return;
  const left = /** @type {Element} */ (event.target);
  const home = focusHome;
  setTimeout(() => {
    if (left.isConnected || (document.activeElement && document.activeElement !== document.body)) return;
    (home?.isConnected ? home : root).focus();
  }, 0);
});
