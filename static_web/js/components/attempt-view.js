// The tracked attempt inside the cluster card: Step N of M, step name, progress bar, cluster
// state, elapsed time (ticking every second) and Stop — or "No attempt is running.".

import { element, replaceChildren } from '../element.js';
import { elapsedSince, formatElapsed, statusLabel, stepName, stepText } from '../progress.js';

const TICK_MS = 1000;
const UNKNOWN_TASK = { status: 'queued', request: {}, progress: {} };

/** The live view's nodes, built once per attempt so focus (e.g. on Stop) survives each poll. */
function buildNodes(onStop) {
  return {
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
      on: { click: () => onStop() },
    }),
    stopping: element('span', { className: 'muted', text: 'Stopping…', hidden: true }),
  };
}

function layout(nodes) {
  return [
    element(
      'p',
      { className: 'attempt__title' },
      element('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      element('span', { text: 'Creating ' }),
      nodes.name,
      nodes.where,
    ),
    element('p', { className: 'attempt__step', attrs: { 'aria-live': 'polite' } }, nodes.step, nodes.stepName),
    nodes.bar,
    element(
      'dl',
      { className: 'attempt__facts' },
      element('div', {}, element('dt', { text: 'Cluster state' }), nodes.state),
      element('div', {}, element('dt', { text: 'Elapsed' }), nodes.elapsed),
    ),
    element('div', { className: 'attempt__buttons' }, nodes.stop, nodes.stopping),
  ];
}

/** A determinate bar when the step numbers are known, else an indeterminate one. */
function fillBar(bar, progress) {
  if (Number.isInteger(progress.total_steps) && progress.total_steps > 0) {
    bar.max = progress.total_steps;
    bar.value = Math.min(Math.max(progress.step_index ?? 0, 0), progress.total_steps);
  } else {
    bar.removeAttribute('value');
  }
}

/** Put the attempt's latest task into the view's nodes (text only). */
function fill(nodes, { task, stopping }, now) {
  const current = task ?? UNKNOWN_TASK;
  const request = current.request ?? {};
  const progress = current.progress ?? {};
  const where = [request.resource_group, request.region].filter(Boolean).join(' · ');
  nodes.name.textContent = request.cluster_name ?? 'cluster';
  nodes.where.textContent = where ? ` in ${where}` : '';
  nodes.step.textContent = stepText(progress) ?? statusLabel(current.status);
  nodes.stepName.textContent = stepName(progress.step);
  nodes.stepName.hidden = !progress.step;
  fillBar(nodes.bar, progress);
  nodes.state.textContent = progress.cluster_state || 'Not created yet';
  nodes.elapsed.textContent = formatElapsed(elapsedSince(current.created_at, now()));
  nodes.stop.disabled = stopping;
  nodes.stopping.hidden = !stopping;
}

/** The view over `area`; `render(attempt)` shows the store's attempt slice (null = idle). */
export function createAttemptView({
  area,
  onStop,
  now = () => Date.now(),
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let shown = null; // {taskId, nodes, attempt}
  let tickTimer = null;

  function tick() {
    tickTimer = setTimer(() => {
      if (shown === null) return;
      shown.nodes.elapsed.textContent = formatElapsed(elapsedSince(shown.attempt.task?.created_at, now()));
      tick();
    }, TICK_MS);
  }

  function stopTicking() {
    if (tickTimer !== null) clearTimer(tickTimer);
    tickTimer = null;
  }

  function renderIdle() {
    stopTicking();
    shown = null;
    area.classList.remove('attempt--active');
    replaceChildren(area, element('p', { className: 'muted', text: 'No attempt is running.' }));
  }

  function render(attempt) {
    if (attempt === null) {
      renderIdle();
      return;
    }
    if (shown?.taskId !== attempt.taskId) {
      stopTicking();
      shown = { taskId: attempt.taskId, nodes: buildNodes(onStop), attempt };
      area.classList.add('attempt--active');
      replaceChildren(area, ...layout(shown.nodes));
      tick();
    }
    shown.attempt = attempt;
    fill(shown.nodes, attempt, now);
  }

  return { render };
}
