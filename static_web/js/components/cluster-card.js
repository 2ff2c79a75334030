// The cluster card: Create cluster, live progress of the running attempt (polled about every
// 2 s, never when idle), Stop, and the recent attempts list.

import { element, replaceChildren } from '../element.js';
import { isReportableFailure } from '../failure-snapshot.js';
import { safeHttpsUrl } from '../failure-presentation.js';
import {
  elapsedSince,
  formatElapsed,
  isActive,
  nextPollDelay,
  POLL_INTERVAL_MS,
  statusLabel,
  stepText,
} from '../progress.js';

export const HISTORY_LIMIT = 10;

const humanStep = (step) => {
  if (typeof step !== 'string' || step === '') return '';
  if (!/^[a-z0-9_]+$/.test(step)) return step;
  const words = step.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const formatTime = (iso) => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

/**
 * Create the card. `onCreate()` opens the dialog; `onAttemptFailed(task)` and
 * `onAttemptSucceeded(task)` report a tracked attempt's outcome; `banner` is the
 * banner slot element shown at the top of the card.
 */
export function createClusterCard({
  api,
  banner,
  onCreate,
  onAttemptFailed,
  onAttemptSucceeded,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
  now = () => Date.now(),
}) {
  const tracking = {
    taskId: null,
    task: null,
    view: null,
    pollTimer: null,
    tickTimer: null,
    stopping: false,
  };

  const createButton = element('button', {
    type: 'button',
    className: 'button button--primary',
    text: 'Create cluster',
    attrs: { 'data-testid': 'create-cluster' },
    on: { click: () => onCreate() },
  });
  const attemptArea = element('div', { className: 'attempt', attrs: { 'data-testid': 'current-attempt' } });
  const notice = element('p', { className: 'notice', attrs: { role: 'status', 'data-testid': 'card-notice' } });
  const historyList = element('ul', {
    className: 'history',
    attrs: { 'data-testid': 'recent-attempts', 'aria-labelledby': 'recent-attempts-title' },
  });
  const historyNote = element('p', { className: 'muted history__note' });

  const card = element(
    'section',
    { className: 'card cluster-card', attrs: { 'aria-labelledby': 'cluster-card-title', 'data-testid': 'cluster-card' } },
    element(
      'div',
      { className: 'card__header' },
      element('h2', { className: 'card__title', text: 'AKS cluster', attrs: { id: 'cluster-card-title' } }),
      createButton,
    ),
    banner,
    attemptArea,
    notice,
    element(
      'section',
      { className: 'recent' },
      element('h3', { className: 'recent__title', text: 'Recent attempts', attrs: { id: 'recent-attempts-title' } }),
      historyList,
      historyNote,
    ),
  );

  /** Show a short message in the card (success, cancel, cleanup, problems). */
  function showNotice(text, { link = null, tone = 'info' } = {}) {
    notice.className = `notice notice--${tone}`;
    replaceChildren(notice, text ? element('span', { text }) : null, link);
  }

  function renderIdle() {
    attemptArea.classList.remove('attempt--active');
    replaceChildren(attemptArea, element('p', { className: 'muted', text: 'No attempt is running.' }));
  }

  /** Build the live view once per attempt, so focus (e.g. on Stop) survives each poll. */
  function buildTrackedView() {
    const view = {
      name: element('strong', { attrs: { 'data-testid': 'attempt-cluster-name' } }),
      where: element('span', { className: 'muted' }),
      step: element('span', { className: 'attempt__step-number', attrs: { 'data-testid': 'attempt-step' } }),
      stepName: element('span', { className: 'attempt__step-name', attrs: { 'data-testid': 'attempt-step-name' } }),
      bar: element('progress', { className: 'attempt__bar', attrs: { 'aria-label': 'Provisioning progress' } }),
      state: element('dd', { attrs: { 'data-testid': 'attempt-cluster-state' } }),
      elapsed: element('dd', { attrs: { 'data-testid': 'attempt-elapsed' } }),
      stop: element('button', {
        type: 'button',
        className: 'button button--danger-outline',
        text: 'Stop',
        attrs: { 'data-testid': 'stop-attempt' },
        on: { click: () => stop() },
      }),
      stopping: element('span', { className: 'muted', text: 'Stopping…', hidden: true }),
    };
    attemptArea.classList.add('attempt--active');
    replaceChildren(
      attemptArea,
      element(
        'p',
        { className: 'attempt__title' },
        element('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }),
        element('span', { text: 'Creating ' }),
        view.name,
        view.where,
      ),
      element('p', { className: 'attempt__step', attrs: { 'aria-live': 'polite' } }, view.step, view.stepName),
      view.bar,
      element(
        'dl',
        { className: 'attempt__facts' },
        element('div', {}, element('dt', { text: 'Cluster state' }), view.state),
        element('div', {}, element('dt', { text: 'Elapsed' }), view.elapsed),
      ),
      element('div', { className: 'attempt__buttons' }, view.stop, view.stopping),
    );
    return view;
  }

  function renderTracked() {
    const view = tracking.view ?? (tracking.view = buildTrackedView());
    const task = tracking.task ?? { status: 'queued', request: {}, progress: {} };
    const request = task.request ?? {};
    const progress = task.progress ?? {};
    const where = [request.resource_group, request.region].filter(Boolean).join(' · ');
    view.name.textContent = request.cluster_name ?? 'cluster';
    view.where.textContent = where ? ` in ${where}` : '';
    view.step.textContent = stepText(progress) ?? statusLabel(task.status);
    view.stepName.textContent = humanStep(progress.step);
    view.stepName.hidden = !progress.step;
    if (Number.isInteger(progress.total_steps) && progress.total_steps > 0) {
      view.bar.max = progress.total_steps;
      view.bar.value = Math.min(Math.max(progress.step_index ?? 0, 0), progress.total_steps);
    } else {
      view.bar.removeAttribute('value');
    }
    view.state.textContent = progress.cluster_state || 'Not created yet';
    view.elapsed.textContent = formatElapsed(elapsedSince(task.created_at, now()));
    view.stop.disabled = tracking.stopping;
    view.stopping.hidden = !tracking.stopping;
  }

  function tickElapsed() {
    if (tracking.view && tracking.task) {
      tracking.view.elapsed.textContent = formatElapsed(elapsedSince(tracking.task.created_at, now()));
    }
  }

  function stopTimers() {
    if (tracking.pollTimer !== null) clearTimer(tracking.pollTimer);
    if (tracking.tickTimer !== null) clearTimer(tracking.tickTimer);
    tracking.pollTimer = null;
    tracking.tickTimer = null;
  }

  function scheduleTick() {
    tracking.tickTimer = setTimer(() => {
      tickElapsed();
      if (tracking.taskId) scheduleTick();
    }, 1000);
  }

  /** Follow an attempt until it finishes; `known` is what we already know of it. */
  function track(taskId, known = null) {
    stopTimers();
    tracking.taskId = taskId;
    tracking.task = known;
    tracking.view = null;
    tracking.stopping = false;
    showNotice('');
    renderTracked();
    scheduleTick();
    poll(taskId);
  }

  async function poll(taskId) {
    tracking.pollTimer = null;
    let task;
    try {
      task = await api.getTask(taskId);
    } catch (problem) {
      if (tracking.taskId !== taskId) return;
      if (problem.status === 404) {
        finishTracking();
        showNotice('That attempt is no longer available.', { tone: 'warning' });
        return;
      }
      showNotice('Connection problem — still checking…', { tone: 'warning' });
      tracking.pollTimer = setTimer(() => poll(taskId), POLL_INTERVAL_MS);
      return;
    }
    if (tracking.taskId !== taskId) return;
    const statusChanged = tracking.task?.status !== task.status;
    tracking.task = task;
    const delay = nextPollDelay(task);
    if (delay !== null) {
      if (notice.classList.contains('notice--warning')) showNotice('');
      renderTracked();
      // Keep the tracked attempt's badge in Recent attempts in step (queued → running).
      if (statusChanged) refresh({ resume: false });
      tracking.pollTimer = setTimer(() => poll(taskId), delay);
      return;
    }
    finishTracking();
    settle(task);
  }

  function finishTracking() {
    stopTimers();
    tracking.taskId = null;
    tracking.view = null;
    tracking.stopping = false;
    renderIdle();
  }

  function settle(task) {
    const name = task.request?.cluster_name ?? 'the cluster';
    if (task.status === 'succeeded') {
      const url = safeHttpsUrl(task.progress?.portal_url);
      const link = url
        ? element('a', {
            className: 'notice__link',
            text: 'View cluster in Azure portal',
            attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' },
          })
        : null;
      showNotice(`Cluster ${name} is ready.`, { link, tone: 'success' });
      onAttemptSucceeded(task);
    } else if (isReportableFailure(task)) {
      showNotice('');
      onAttemptFailed(task);
    } else if (task.status === 'cancelled') {
      showNotice(`The attempt for ${name} was cancelled before Azure created anything.`);
    } else {
      showNotice(`The attempt for ${name} ended: ${statusLabel(task.status)}.`);
    }
    refresh({ resume: false });
  }

  async function stop() {
    const taskId = tracking.taskId;
    if (!taskId || tracking.stopping) return;
    tracking.stopping = true;
    renderTracked();
    try {
      await api.cancel(taskId);
    } catch (problem) {
      if (tracking.taskId !== taskId) return;
      tracking.stopping = false;
      renderTracked();
      showNotice(`Could not stop the attempt. ${problem.message}`, { tone: 'warning' });
    }
  }

  function renderHistory(jobs) {
    if (jobs.length === 0) {
      replaceChildren(historyList);
      historyNote.textContent = 'No attempts yet.';
      return;
    }
    historyNote.textContent = '';
    replaceChildren(
      historyList,
      jobs.map((job) => {
        const request = job.request ?? {};
        const status = String(job.status ?? '');
        const verb = job.type === 'aks_delete' ? 'Delete ' : '';
        const where = [request.resource_group, request.region].filter(Boolean).join(' · ');
        return element(
          'li',
          { className: 'history__item', attrs: { 'data-testid': 'history-item', 'data-status': status } },
          element('span', { className: `badge badge--${/^[a-z]+$/.test(status) ? status : 'unknown'}`, text: statusLabel(status) }),
          element(
            'span',
            { className: 'history__what' },
            element('span', { className: 'history__name', text: `${verb}${request.cluster_name ?? job.task_id ?? ''}` }),
            element('span', { className: 'history__meta muted', text: [where, formatTime(job.created_at)].filter(Boolean).join(' · ') }),
          ),
        );
      }),
    );
  }

  /** Reload the recent attempts; on load also resume the newest attempt still running. */
  async function refresh({ resume = true } = {}) {
    let jobs;
    try {
      const answer = await api.history(HISTORY_LIMIT);
      jobs = Array.isArray(answer?.jobs) ? answer.jobs : [];
    } catch {
      historyNote.textContent = 'Recent attempts are unavailable right now.';
      return;
    }
    renderHistory(jobs);
    if (resume && tracking.taskId === null) {
      const running = jobs.find((job) => job.type !== 'aks_delete' && isActive(job.status));
      if (running) track(running.task_id, running);
    }
  }

  renderIdle();
  return {
    element: card,
    track,
    refresh,
    showNotice,
    focusCreate: () => createButton.focus(),
    trackedTaskId: () => tracking.taskId,
  };
}
