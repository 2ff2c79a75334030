// Every way the dashboard's state can change, as plain data. Slices list the types they handle.

export const FAILURE_SHOWN = 'failure/shown';
export const ATTEMPT_TRACKED = 'attempt/tracked';
export const ATTEMPT_POLLED = 'attempt/polled';
export const ATTEMPT_FINISHED = 'attempt/finished';
export const STOP_REQUESTED = 'attempt/stop-requested';
export const STOP_FAILED = 'attempt/stop-failed';
export const HISTORY_LOADED = 'history/loaded';
export const HISTORY_UNAVAILABLE = 'history/unavailable';
export const NOTICE_SHOWN = 'notice/shown';
export const OPTIONS_REQUESTED = 'options/requested';
export const OPTIONS_LOADED = 'options/loaded';
export const OPTIONS_UNAVAILABLE = 'options/unavailable';
export const PREFLIGHT_CHECKING = 'preflight/checking';
export const PREFLIGHT_ANSWERED = 'preflight/answered';
export const PREFLIGHT_UNAVAILABLE = 'preflight/unavailable';
export const PREFLIGHT_RESET = 'preflight/reset';

/** The banner shows this failure snapshot (null hides it). */
export const failureShown = (snapshot) => ({ type: FAILURE_SHOWN, snapshot: snapshot ?? null });

/** Start following an attempt; `known` is what we already know of its task (or null). */
export const attemptTracked = (taskId, known = null) => ({ type: ATTEMPT_TRACKED, taskId, known });

/** A poll answered with the tracked attempt's task, still queued or running. */
export const attemptPolled = (taskId, task) => ({ type: ATTEMPT_POLLED, taskId, task });

/** Nothing is tracked any more (the attempt finished or vanished). */
export const attemptFinished = () => ({ type: ATTEMPT_FINISHED });

/** The user pressed Stop; the cancel request is on its way. */
export const stopRequested = (taskId) => ({ type: STOP_REQUESTED, taskId });

/** The cancel request failed, so Stop is offered again. */
export const stopFailed = (taskId) => ({ type: STOP_FAILED, taskId });

/** The recent attempts list as the server returned it. */
export const historyLoaded = (jobs) => ({ type: HISTORY_LOADED, jobs });

/** The recent attempts could not be read; the last list stays. */
export const historyUnavailable = () => ({ type: HISTORY_UNAVAILABLE });

/** A short message in the card: `tone` info/success/warning, `link` {label, url} or null. */
export const noticeShown = (text, { tone = 'info', link = null } = {}) => ({
  type: NOTICE_SHOWN,
  notice: { text: text ?? '', tone, link },
});

/** The Create dialog asks what Azure offers in `region`. */
export const optionsRequested = (region) => ({ type: OPTIONS_REQUESTED, region });

/** GET /api/aks/options answered for `region` (a degraded document counts: its parts fall back). */
export const optionsLoaded = (region, document) => ({ type: OPTIONS_LOADED, region, document });

/** The options for `region` could not be read; the static lists stay. */
export const optionsUnavailable = (region) => ({ type: OPTIONS_UNAVAILABLE, region });

/** A preflight is due or on its way; the last answer no longer blocks Create. */
export const preflightChecking = () => ({ type: PREFLIGHT_CHECKING });

/** The newest preflight answered (stale answers are never dispatched). */
export const preflightAnswered = (result) => ({ type: PREFLIGHT_ANSWERED, result });

/** The newest preflight failed (network, 5xx): `problem` says why; Create stays allowed. */
export const preflightUnavailable = (problem) => ({ type: PREFLIGHT_UNAVAILABLE, problem: problem ?? '' });

/** Nothing to check (dialog closed, or the required fields are not valid yet). */
export const preflightReset = () => ({ type: PREFLIGHT_RESET });
