// A tiny store: one state object made of named slices, changed only by dispatching actions.
// Each slice is `{initial, reducers: {[actionType]: (sliceState, action) => sliceState}}`; a
// reducer returns its slice unchanged (the same object) when the action changes nothing.

/**
 * Create a store over `slices` ({name: slice}). Listeners get `(state, previous)` after a
 * dispatch that changed some slice; they render and must not dispatch.
 */
export function createStore(slices) {
  const entries = Object.entries(slices);
  const handled = new Set(entries.flatMap(([, slice]) => Object.keys(slice.reducers)));
  const listeners = new Set();
  let state = Object.freeze(Object.fromEntries(entries.map(([name, slice]) => [name, slice.initial])));
  let notifying = false;

  /** Apply an action to every slice that handles it; notify once if anything changed. */
  function dispatch(action) {
    if (!handled.has(action?.type)) throw new Error(`No slice handles the action ${action?.type}.`);
    if (notifying) throw new Error(`A listener dispatched ${action.type}; listeners only render.`);
    const previous = state;
    const next = {};
    let changed = false;
    for (const [name, slice] of entries) {
      const reduce = slice.reducers[action.type];
      next[name] = reduce ? reduce(previous[name], action) : previous[name];
      changed ||= next[name] !== previous[name];
    }
    if (!changed) return;
    state = Object.freeze(next);
    notifying = true;
    try {
      for (const listener of [...listeners]) listener(state, previous);
    } finally {
      notifying = false;
    }
  }

  /** Call `listener(state, previous)` after every change; returns the unsubscribe function. */
  function subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { getState: () => state, dispatch, subscribe };
}
