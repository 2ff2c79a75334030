// ProvisionErrorCard: one failure, explained — used by the cluster card's banner and by the
// create dialog. Every server string goes in as text; only https: URLs become links.

import { element } from '../element.js';
import {
  describeAction,
  headlineFor,
  isCancelledWithPartialCluster,
  PORTAL_LABEL_DEFAULT,
  PORTAL_TOOLTIP,
  safeHttpsUrl,
  shortMessage,
} from '../failure-presentation.js';
import { isActive, POLL_INTERVAL_MS } from '../progress.js';

let cardCount = 0;

const icon = (glyph) => element('span', { className: 'icon', text: glyph, attrs: { 'aria-hidden': 'true' } });

/** A link that opens outside the app (new tab, no opener). */
function externalLink(label, url, props = {}) {
  return element(
    'a',
    {
      ...props,
      attrs: { href: url, target: '_blank', rel: 'noopener noreferrer', ...(props.attrs ?? {}) },
    },
    ...(Array.isArray(label) ? label : [label]),
  );
}

/**
 * Render a failure. Inputs: snapshot (the failure), api (deleteCluster/getTask), and
 * optional extraPortalUrl / extraPortalLabel, onEditRetry (null hides Edit & retry),
 * onEditAction (in-app "edit" actions), onPartialClusterDeleted(snapshot), setTimer.
 */
export function ProvisionErrorCard({
  snapshot,
  api,
  extraPortalUrl = null,
  extraPortalLabel = PORTAL_LABEL_DEFAULT,
  onEditRetry = null,
  onEditAction = null,
  onPartialClusterDeleted = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
}) {
  cardCount += 1;
  const headingId = `provision-error-${cardCount}`;
  const error = snapshot.error ?? { category: 'unknown', code: '', message: '', actions: [] };
  const partial = isCancelledWithPartialCluster(snapshot);
  const headline = headlineFor(error.category);
  const cleanupStatus = element('p', {
    className: 'error-card__cleanup',
    attrs: { role: 'status', 'data-testid': 'partial-cluster-cleanup' },
  });

  const actionNodes = [];
  const portalUrl = extraPortalUrl ?? (partial ? snapshot.progress?.portal_url ?? null : null);
  const showPortal = partial || extraPortalUrl !== null;
  let deleteButton = null;

  if (showPortal) {
    const label = extraPortalLabel || PORTAL_LABEL_DEFAULT;
    const safe = safeHttpsUrl(portalUrl);
    const content = [icon('⚠'), element('span', { text: label })];
    const props = {
      className: 'action action--warning',
      attrs: { title: PORTAL_TOOLTIP, 'data-testid': 'open-portal-warning' },
    };
    // Without a safe URL the action stays visible (it tells the user to look) but inert.
    actionNodes.push(safe ? externalLink(content, safe, props) : element('span', props, ...content));
  }
  if (partial) {
    deleteButton = element('button', {
      type: 'button',
      className: 'button button--danger',
      text: 'Delete partial cluster',
      attrs: { 'data-testid': 'delete-partial-cluster' },
      on: { click: () => deletePartialCluster() },
    });
    actionNodes.push(deleteButton);
  }

  for (const action of error.actions ?? []) {
    const described = describeAction(action);
    const duplicateOfPortal = showPortal && described.as === 'link' && described.url === safeHttpsUrl(portalUrl);
    if (duplicateOfPortal || (partial && described.kind === 'delete_cluster')) continue;
    if (described.as === 'link') {
      actionNodes.push(
        externalLink([element('span', { text: described.label }), icon('↗')], described.url, {
          className: 'action action--link',
        }),
      );
    } else if (described.as === 'in_app' && described.kind === 'edit' && onEditAction) {
      actionNodes.push(
        element('button', {
          type: 'button',
          className: 'button',
          text: described.label,
          on: { click: () => onEditAction(snapshot, action) },
        }),
      );
    } else if (described.as === 'in_app' && described.kind === 'delete_cluster') {
      actionNodes.push(
        element('button', {
          type: 'button',
          className: 'button button--danger',
          text: described.label,
          on: { click: (event) => deletePartialCluster(event.currentTarget) },
        }),
      );
    } else if (described.label) {
      actionNodes.push(element('span', { className: 'action action--text', text: described.label }));
    }
  }

  if (onEditRetry) {
    actionNodes.push(
      element('button', {
        type: 'button',
        className: 'button button--primary',
        text: 'Edit & retry',
        attrs: { 'data-testid': 'edit-and-retry' },
        on: { click: () => onEditRetry(snapshot) },
      }),
    );
  }

  const fullMessage = error.message || 'No further details were reported.';
  const card = element(
    'section',
    {
      className: `error-card error-card--${partial ? 'warning' : 'danger'}`,
      attrs: {
        'aria-labelledby': headingId,
        'data-testid': 'provision-error-card',
        'data-category': error.category,
      },
    },
    element('h3', { className: 'error-card__headline', attrs: { id: headingId } }, icon(partial ? '⚠' : '✖'), element('span', { text: headline })),
    partial
      ? element('p', {
          className: 'error-card__cancelled',
          text: 'The attempt was cancelled before it finished, after the cluster resource was created on Azure.',
        })
      : null,
    element('p', { className: 'error-card__summary', text: shortMessage(fullMessage) }),
    element(
      'details',
      { className: 'error-card__details' },
      element('summary', { text: 'Full error message' }),
      element('pre', { className: 'error-card__message', text: fullMessage }),
      error.code ? element('p', { className: 'error-card__code', text: `Error code: ${error.code}` }) : null,
    ),
    actionNodes.length ? element('div', { className: 'error-card__actions' }, actionNodes) : null,
    cleanupStatus,
  );

  /** Start the cleanup orchestration and follow its task until it finishes. */
  async function deletePartialCluster(button = deleteButton) {
    if (button) button.disabled = true;
    cleanupStatus.className = 'error-card__cleanup';
    cleanupStatus.textContent = 'Deleting partial cluster…';
    try {
      const started = await api.deleteCluster(snapshot.task_id);
      const finished = await followTask(started.task_id);
      if (finished.status === 'succeeded') {
        cleanupStatus.textContent = 'Partial cluster deleted';
        cleanupStatus.classList.add('error-card__cleanup--done');
        if (button) button.hidden = true;
        onPartialClusterDeleted(snapshot);
        return;
      }
      const reason = finished.error?.message ? `: ${shortMessage(finished.error.message)}` : '.';
      throw new Error(`The delete ${finished.status}${reason}`);
    } catch (problem) {
      cleanupStatus.textContent = `Could not delete the partial cluster. ${problem.message}`;
      cleanupStatus.classList.add('error-card__cleanup--failed');
      if (button) button.disabled = false;
    }
  }

  /** Poll a task about every 2 s until it is no longer queued/running. */
  async function followTask(taskId) {
    for (;;) {
      const task = await api.getTask(taskId);
      if (!isActive(task.status)) return task;
      await new Promise((resolve) => setTimer(resolve, POLL_INTERVAL_MS));
    }
  }

  return card;
}
