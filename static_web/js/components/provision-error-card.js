// ProvisionErrorCard: one failure, explained — used by the cluster card's banner and by the
// create dialog. Every server string goes in as text; only https: URLs become links.

import { element } from '../element.js';
import {
  headlineFor,
  isCancelledWithPartialCluster,
  PORTAL_LABEL_DEFAULT,
  PORTAL_TOOLTIP,
  planErrorActions,
  shortMessage,
} from '../failure-presentation.js';
import { isActive, POLL_INTERVAL_MS } from '../progress.js';

const NO_ERROR = { category: 'unknown', code: '', message: '', actions: [] };
const CANCELLED_TEXT =
  'The attempt was cancelled before it finished, after the cluster resource was created on Azure.';
let cardCount = 0;

const icon = (glyph) => element('span', { className: 'icon', text: glyph, attrs: { 'aria-hidden': 'true' } });

/** A link that opens outside the app (new tab, no opener). */
function externalLink(content, url, props = {}) {
  return element(
    'a',
    { ...props, attrs: { href: url, target: '_blank', rel: 'noopener noreferrer', ...(props.attrs ?? {}) } },
    ...content,
  );
}

/** The portal action in the warning accent; without a safe URL it stays visible but inert. */
function portalAction({ label, url }) {
  const content = [icon('⚠'), element('span', { text: label })];
  const props = { className: 'action action--warning', attrs: { title: PORTAL_TOOLTIP, 'data-testid': 'open-portal-warning' } };
  return url ? externalLink(content, url, props) : element('span', props, ...content);
}

const button = (className, { label, testId }, onClick) =>
  element('button', { type: 'button', className, text: label, attrs: { 'data-testid': testId }, on: { click: onClick } });

/** How each planned control becomes DOM; `handlers` carries the card's callbacks. */
const RENDERERS = {
  portal: (item) => portalAction(item),
  delete: (item, { deleteCluster }) => button('button button--danger', item, (event) => deleteCluster(event.currentTarget)),
  link: (item) => externalLink([element('span', { text: item.label }), icon('↗')], item.url, { className: 'action action--link' }),
  edit: (item, { onEditAction, snapshot }) => button('button', item, () => onEditAction(snapshot, item.action)),
  text: (item) => element('span', { className: 'action action--text', text: item.label }),
  retry: (item, { onEditRetry, snapshot }) => button('button button--primary', item, () => onEditRetry(snapshot)),
};

/** Poll a task about every 2 s until it is no longer queued/running. */
async function followTask(api, taskId, setTimer) {
  for (;;) {
    const task = await api.getTask(taskId);
    if (!isActive(task.status)) return task;
    await new Promise((resolve) => setTimer(resolve, POLL_INTERVAL_MS));
  }
}

/** The Delete (partial) cluster flow: start the cleanup, follow it, report in `status`. */
function clusterDeleter({ snapshot, api, status, onDeleted, setTimer }) {
  return async function deleteCluster(trigger) {
    trigger.disabled = true;
    status.className = 'error-card__cleanup';
    status.textContent = 'Deleting partial cluster…';
    try {
      const started = await api.deleteCluster(snapshot.task_id);
      const finished = await followTask(api, started.task_id, setTimer);
      if (finished.status === 'succeeded') {
        status.textContent = 'Partial cluster deleted';
        status.classList.add('error-card__cleanup--done');
        trigger.hidden = true;
        onDeleted(snapshot);
        return;
      }
      const reason = finished.error?.message ? `: ${shortMessage(finished.error.message)}` : '.';
      throw new Error(`The delete ${finished.status}${reason}`);
    } catch (problem) {
      status.textContent = `Could not delete the partial cluster. ${problem.message}`;
      status.classList.add('error-card__cleanup--failed');
      trigger.disabled = false;
    }
  };
}

function headline(headingId, error, partial) {
  return element(
    'h3',
    { className: 'error-card__headline', attrs: { id: headingId } },
    icon(partial ? '⚠' : '✖'),
    element('span', { text: headlineFor(error.category) }),
  );
}

function messageDetails(error, fullMessage) {
  return element(
    'details',
    { className: 'error-card__details' },
    element('summary', { text: 'Full error message' }),
    element('pre', { className: 'error-card__message', text: fullMessage }),
    error.code ? element('p', { className: 'error-card__code', text: `Error code: ${error.code}` }) : null,
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
  const error = snapshot.error ?? NO_ERROR;
  const partial = isCancelledWithPartialCluster(snapshot);
  const cleanupStatus = element('p', {
    className: 'error-card__cleanup',
    attrs: { role: 'status', 'data-testid': 'partial-cluster-cleanup' },
  });
  const handlers = {
    snapshot,
    onEditAction,
    onEditRetry,
    deleteCluster: clusterDeleter({ snapshot, api, status: cleanupStatus, onDeleted: onPartialClusterDeleted, setTimer }),
  };
  const plan = planErrorActions(snapshot, {
    extraPortalUrl,
    extraPortalLabel,
    canEdit: !!onEditAction,
    canRetry: !!onEditRetry,
  });
  const actionNodes = plan.map((item) => RENDERERS[item.as](item, handlers));
  const fullMessage = error.message || 'No further details were reported.';

  return element(
    'section',
    {
      className: `error-card error-card--${partial ? 'warning' : 'danger'}`,
      attrs: { 'aria-labelledby': headingId, 'data-testid': 'provision-error-card', 'data-category': error.category },
    },
    headline(headingId, error, partial),
    partial ? element('p', { className: 'error-card__cancelled', text: CANCELLED_TEXT }) : null,
    element('p', { className: 'error-card__summary', text: shortMessage(fullMessage) }),
    messageDetails(error, fullMessage),
    actionNodes.length ? element('div', { className: 'error-card__actions' }, actionNodes) : null,
    cleanupStatus,
  );
}
