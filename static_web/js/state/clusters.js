// Slice `clusters`: the "Your clusters" list as the server last gave it, the operations this
// tab follows (by cluster key) and the problem each row shows. Its actions live here too.

export const CLUSTERS_LOADED = 'clusters/loaded';
export const CLUSTERS_UNAVAILABLE = 'clusters/unavailable';
export const CLUSTER_OPERATION_FOLLOWED = 'clusters/operation-followed';
export const CLUSTER_OPERATION_ENDED = 'clusters/operation-ended';
export const CLUSTER_PROBLEM_SHOWN = 'clusters/problem-shown';

/** The list answered; `degraded` keeps the clusters already shown. */
export const clustersLoaded = (clusters, degraded = false) => ({ type: CLUSTERS_LOADED, clusters, degraded });

/** The list could not be read; the last one stays. */
export const clustersUnavailable = () => ({ type: CLUSTERS_UNAVAILABLE });

/** This tab follows an operation on a cluster (`followed` from clusters-model). */
export const clusterOperationFollowed = (key, followed) => ({ type: CLUSTER_OPERATION_FOLLOWED, key, followed });

/** The followed operation `taskId` ended; `problem` is its error for the row, or null. */
export const clusterOperationEnded = (key, taskId, problem = null) => ({
  type: CLUSTER_OPERATION_ENDED, key, taskId, problem,
});

/** The row of `key` shows this problem (e.g. a request refused with 409). */
export const clusterProblemShown = (key, problem) => ({ type: CLUSTER_PROBLEM_SHOWN, key, problem });

const without = (map, key) => {
  if (!(key in map)) return map;
  const { [key]: _dropped, ...rest } = map;
  return rest;
};

export const clustersSlice = {
  initial: { clusters: [], loaded: false, degraded: false, unavailable: false, followed: {}, problems: {} },
  reducers: {
    [CLUSTERS_LOADED]: (state, { clusters, degraded }) =>
      degraded
        ? { ...state, degraded: true, unavailable: false }
        : { ...state, clusters, loaded: true, degraded: false, unavailable: false },
    [CLUSTERS_UNAVAILABLE]: (state) => (state.unavailable ? state : { ...state, unavailable: true }),
    // A new operation replaces the row's old problem.
    [CLUSTER_OPERATION_FOLLOWED]: (state, { key, followed }) => ({
      ...state,
      followed: { ...state.followed, [key]: followed },
      problems: without(state.problems, key),
    }),
    [CLUSTER_OPERATION_ENDED]: (state, { key, taskId, problem }) => {
      if (state.followed[key]?.taskId !== taskId) return state;
      const problems = problem ? { ...state.problems, [key]: problem } : without(state.problems, key);
      return { ...state, followed: without(state.followed, key), problems };
    },
    [CLUSTER_PROBLEM_SHOWN]: (state, { key, problem }) => ({
      ...state,
      problems: { ...state.problems, [key]: problem },
    }),
  },
};
