// @ts-check
// The running create in the card — Step N of M, the step name, a progress bar, the cluster
// state, the elapsed time (ticking each second) and Stop attempt — and the card's notice.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { elapsedSince, formatElapsed, statusLabel, stepName, stepText } from '../progress.js';
import { useApp, useFocusRequest } from './shared.js';

export function AttemptView() {
  const { dashboard } = useApp();
  const attempt = dashboard.state.attempt.value;
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  const [now, setNow] = useState(() => Date.now());
  useFocusRequest((request) => request.target === 'attempt', ref);
  useEffect(() => {
    if (!attempt) return undefined;
    setNow(Date.now());
    const ticker = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(ticker);
  }, [attempt?.taskId]);

  if (!attempt) {
    return html`<div class="attempt" data-testid="current-attempt" ref=${ref} tabindex="-1">
      <p class="muted">No attempt is running.</p>
    </div>`;
  }
  const { task, stopping } = attempt;
  const request = task.request ?? {};
  const progress = task.progress ?? {};
  const where = [request.resource_group, request.region].filter(Boolean).join(' · ');
  const total = progress.total_steps;
  const determinate = typeof total === 'number' && total > 0;
  return html`<div class="attempt attempt--active" data-testid="current-attempt" ref=${ref} tabindex="-1" role="group"
      aria-labelledby="attempt-title">
    <p class="attempt__title" id="attempt-title">
      <span class="spinner" aria-hidden="true"></span>
      <span>Creating </span><strong data-testid="attempt-cluster-name">${request.cluster_name ?? 'cluster'}</strong>
      ${where ? html`<span class="muted"> in ${where}</span>` : null}
    </p>
    <p class="attempt__step" aria-live="polite">
      <span class="attempt__step-number" data-testid="attempt-step">${stepText(progress) ?? statusLabel(task.status)}</span>
      ${progress.step ? html`<span class="attempt__step-name" data-testid="attempt-step-name">${stepName(progress.step)}</span>` : null}
    </p>
    ${determinate
      ? html`<progress key="steps" class="attempt__bar" aria-label="Provisioning progress" max=${total}
          value=${Math.min(Math.max(progress.step_index ?? 0, 0), total)}></progress>`
      : html`<progress key="busy" class="attempt__bar" aria-label="Provisioning progress"></progress>`}
    <dl class="attempt__facts">
      <div><dt>Cluster state</dt><dd data-testid="attempt-cluster-state">${progress.cluster_state || 'Not created yet'}</dd></div>
      <div><dt>Elapsed</dt><dd data-testid="attempt-elapsed">${formatElapsed(elapsedSince(task.created_at, now))}</dd></div>
    </dl>
    <div class="attempt__buttons">
      <button type="button" class="button button--danger-outline" data-testid="stop-attempt" disabled=${stopping}
        onClick=${() => dashboard.stopAttempt()}>Stop attempt</button>
      ${stopping ? html`<span class="muted">Stopping…</span>` : null}
    </div>
  </div>`;
}

export function Notice() {
  const { dashboard } = useApp();
  const { text, tone, link } = dashboard.state.notice.value;
  const ref = useRef(/** @type {HTMLParagraphElement | null} */ (null));
  useFocusRequest((request) => request.target === 'notice', ref);
  return html`<p class=${`notice notice--${tone}`} role="status" data-testid="card-notice" tabindex="-1" ref=${ref}>
    ${text ? html`<span>${text}</span>` : null}
    ${link ? html`<a class="notice__link" href=${link.url} target="_blank" rel="noopener noreferrer">${link.label}</a>` : null}
  </p>`;
}
