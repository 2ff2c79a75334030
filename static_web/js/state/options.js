// Slice `options`: what Azure offers per region for the Create dialog — `{region, loading,
// byRegion}`; a region's document stays cached for the page, and a late answer for a region
// no longer chosen is kept but never changes which region is shown.

import { OPTIONS_LOADED, OPTIONS_REQUESTED, OPTIONS_UNAVAILABLE } from './actions.js';

export const optionsSlice = {
  initial: Object.freeze({ region: null, loading: false, byRegion: Object.freeze({}) }),
  reducers: {
    [OPTIONS_REQUESTED]: (options, { region }) => ({ ...options, region, loading: true }),
    [OPTIONS_LOADED]: (options, { region, document }) => ({
      ...options,
      loading: options.region === region ? false : options.loading,
      byRegion: { ...options.byRegion, [region]: document },
    }),
    [OPTIONS_UNAVAILABLE]: (options, { region }) =>
      options.region === region && options.loading ? { ...options, loading: false } : options,
  },
};

/** The options document for the chosen region, or null (the dialog then uses static lists). */
export function chosenOptions(options) {
  return options.region === null ? null : (options.byRegion[options.region] ?? null);
}
