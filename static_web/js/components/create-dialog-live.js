// What makes the Create dialog live: options fetched per region, presets that keep the
// user's edits, and a debounced preflight of the values whenever they are valid here.

import { applyPreset, createPreflightRunner, PRESETS } from '../preflight-model.js';
import {
  optionsLoaded,
  optionsRequested,
  optionsUnavailable,
  preflightAnswered,
  preflightChecking,
  preflightReset,
  preflightUnavailable,
} from '../state/actions.js';

/** Fields a preset fills; once the user edits one, presets leave it alone. */
const PRESET_FIELDS = new Set(PRESETS.flatMap((preset) => Object.keys(preset.values)));

/**
 * Wire the live parts. `form` gives `values()`, `check(values)` ({ok, body}) and
 * `write(values)`; the store's `options` and `preflight` slices receive what comes back.
 * `timers` ({setTimer, clearTimer}) lets tests drive the debounce.
 */
export function createDialogLiveness({ api, store, form, timers = {} }) {
  const edited = new Set();
  let optionsRequest = null;
  const runner = createPreflightRunner({
    fetchPreflight: (body, signal) => api.preflight(body, { signal }),
    onPending: (busy) => {
      if (busy) store.dispatch(preflightChecking());
    },
    onResult: ({ result, error }) =>
      store.dispatch(error ? preflightUnavailable(error.message) : preflightAnswered(result)),
    ...timers,
  });

  /** Ask for the region's options; an earlier request still on its way is aborted. */
  async function loadOptions(region) {
    optionsRequest?.abort();
    const request = typeof AbortController === 'function' ? new AbortController() : null;
    optionsRequest = request;
    store.dispatch(optionsRequested(region));
    try {
      store.dispatch(optionsLoaded(region, await api.options(region, { signal: request?.signal })));
    } catch (problem) {
      if (request?.signal.aborted) return; // a newer request owns the selects
      console.info(`Options for ${region} are unavailable; the static lists stay.`, problem);
      store.dispatch(optionsUnavailable(region));
    }
  }

  /** Re-check about 300 ms after the last change, once the values pass the form's own rules. */
  function recheck() {
    const checked = form.check(form.values());
    if (!checked.ok) {
      runner.cancel();
      store.dispatch(preflightReset());
      return;
    }
    store.dispatch(preflightChecking());
    runner.schedule(checked.body);
  }

  /** The user changed `name`: remember it against presets, follow the region, re-check. */
  function edit(name) {
    if (PRESET_FIELDS.has(name)) edited.add(name);
    if (name === 'region') loadOptions(form.values().region);
    recheck();
  }

  /** Fill what the preset sets, except fields the user edited. */
  function choosePreset(presetName) {
    form.write(applyPreset(form.values(), presetName, edited));
    recheck();
  }

  /** Open with fresh state; prefilled preset fields count as the user's own. */
  function start(prefilledFields) {
    edited.clear();
    for (const name of prefilledFields) if (PRESET_FIELDS.has(name)) edited.add(name);
    store.dispatch(preflightReset());
    loadOptions(form.values().region);
    recheck();
  }

  function stop() {
    optionsRequest?.abort();
    runner.cancel();
    store.dispatch(preflightReset());
  }

  return { edit, choosePreset, start, stop, recheck };
}
