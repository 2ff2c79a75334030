// @ts-check
// How a classified failure reads to the user: headline per category, short first line,
// which actions may become links. Pure: the components turn this into DOM.

/** @typedef {import('./failure-snapshot.js').Snapshot} Snapshot */
/** @typedef {import('./failure-snapshot.js').SnapshotAction} SnapshotAction */

/** @type {Record<string, string>} */
export const CATEGORY_HEADLINES = {
  quota: 'Quota exceeded',
  sku: 'VM size not available',
  region: 'Region not available',
  permission: 'Permission denied',
  invalid_request: 'Invalid request',
  conflict: 'Conflict',
  transient: 'Temporary Azure problem',
  cancelled: 'Cancelled',
  unknown: 'Provisioning failed',
};

export const PORTAL_LABEL_DEFAULT = 'Open cluster in Azure portal';
export const PORTAL_TOOLTIP =
  'The cluster create may have started on Azure even though the task was cancelled — verify in the portal and delete if needed.';
export const IN_APP_ACTION_KINDS = new Set(['edit', 'delete_cluster']);
const SHORT_MESSAGE_CHARS = 200;

/**
 * The headline for an error category (unknown categories read "Provisioning failed").
 * @param {string | undefined} category
 */
export function headlineFor(category) {
  return category && Object.hasOwn(CATEGORY_HEADLINES, category)
    ? CATEGORY_HEADLINES[category]
    : CATEGORY_HEADLINES.unknown;
}

/**
 * The URL when it is an absolute https: URL (safe to link), else null.
 * @param {unknown} url
 */
export function safeHttpsUrl(url) {
  if (typeof url !== 'string' || url === '') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * The first line of a message, shortened, for the always-visible summary.
 * @param {unknown} message
 */
export function shortMessage(message) {
  const text = typeof message === 'string' ? message.trim() : '';
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.length <= SHORT_MESSAGE_CHARS) return firstLine;
  return `${firstLine.slice(0, SHORT_MESSAGE_CHARS - 1).trimEnd()}…`;
}

/**
 * Whether the full message says more than the short line (so a details toggle helps).
 * @param {unknown} message
 */
export function hasMoreDetail(message) {
  const text = typeof message === 'string' ? message.trim() : '';
  return text !== '' && text !== shortMessage(text);
}

/**
 * Whether the attempt was cancelled after the cluster resource existed on Azure.
 * @param {Snapshot | null | undefined} snapshot
 */
export function isCancelledWithPartialCluster(snapshot) {
  return (
    !!snapshot &&
    (snapshot.status === 'cancelled' || snapshot.error?.category === 'cancelled') &&
    snapshot.progress?.cluster_seen === true
  );
}

/**
 * How each classified action renders: `link` (https URL), `in_app` (edit / delete_cluster)
 * or `text` (anything else, including non-https URLs, which must stay inert).
 * @param {{kind?: string, label?: string, url?: string | null} | null | undefined} action
 * @returns {{as: 'link' | 'in_app' | 'text', kind: string, label: string, url?: string}}
 */
export function describeAction(action) {
  const url = safeHttpsUrl(action?.url);
  const kind = action?.kind ?? '';
  const label = action?.label ?? '';
  if (IN_APP_ACTION_KINDS.has(kind)) return { as: 'in_app', kind, label };
  if (url) return { as: 'link', kind, label, url };
  return { as: 'text', kind: action?.kind ?? '', label: action?.label ?? '' };
}

export const PARTIAL_DELETE_LABEL = 'Delete partial cluster';
export const EDIT_RETRY_LABEL = 'Edit & retry';

/**
 * One control of an error card, as data.
 * @typedef {object} PlannedAction
 * @property {'portal' | 'delete' | 'link' | 'edit' | 'text' | 'retry'} as
 * @property {string} label
 * @property {string | null} [url]
 * @property {string} [testId]
 * @property {SnapshotAction} [action]
 */

/** @typedef {ReturnType<typeof describeAction>} DescribedAction */

/**
 * Which classified action becomes which kind of control; the first matching rule wins.
 * @type {{applies: (d: DescribedAction, o: {canEdit: boolean}) => boolean, plan: (d: DescribedAction, a: SnapshotAction) => PlannedAction}[]}
 */
const ACTION_RULES = [
  { applies: (described) => described.as === 'link', plan: (d) => ({ as: 'link', label: d.label, url: d.url }) },
  {
    applies: (described, { canEdit }) => described.as === 'in_app' && described.kind === 'edit' && canEdit,
    plan: (d, action) => ({ as: 'edit', label: d.label, action }),
  },
  {
    applies: (described) => described.as === 'in_app' && described.kind === 'delete_cluster',
    plan: (d) => ({ as: 'delete', label: d.label }),
  },
  { applies: (described) => !!described.label, plan: (d) => ({ as: 'text', label: d.label }) },
];

/**
 * The portal action and Delete partial cluster that lead the card when the attempt was
 * cancelled with a partial cluster (or a portal URL is given); `url` null keeps it inert.
 * @param {Snapshot} snapshot
 * @param {boolean} partial
 * @param {string | null} extraPortalUrl
 * @param {string} extraPortalLabel
 * @returns {PlannedAction[]}
 */
function leadingActions(snapshot, partial, extraPortalUrl, extraPortalLabel) {
  /** @type {PlannedAction[]} */
  const lead = [];
  if (partial || extraPortalUrl !== null) {
    const rawUrl = extraPortalUrl ?? (partial ? snapshot.progress?.portal_url : null);
    lead.push({ as: 'portal', label: extraPortalLabel || PORTAL_LABEL_DEFAULT, url: safeHttpsUrl(rawUrl) });
  }
  if (partial) lead.push({ as: 'delete', label: PARTIAL_DELETE_LABEL, testId: 'delete-partial-cluster' });
  return lead;
}

/**
 * Whether a classified action only repeats one of the leading ones.
 * @param {DescribedAction} described
 * @param {PlannedAction[]} lead
 * @param {boolean} partial
 */
function repeatsLead(described, lead, partial) {
  const portal = lead.find((item) => item.as === 'portal');
  if (portal && described.as === 'link' && described.url === portal.url) return true;
  return partial && described.kind === 'delete_cluster';
}

/**
 * The controls an error card shows, in order, as data: `portal` (warning action), `delete`
 * (the one cleanup button), `link`, `edit`, `text` and `retry`. Classified actions that
 * repeat the leading portal or delete action are left out.
 * @param {Snapshot} snapshot
 * @param {{extraPortalUrl?: string | null, extraPortalLabel?: string, canEdit?: boolean, canRetry?: boolean}} [options]
 * @returns {PlannedAction[]}
 */
export function planErrorActions(
  snapshot,
  { extraPortalUrl = null, extraPortalLabel = PORTAL_LABEL_DEFAULT, canEdit = false, canRetry = false } = {},
) {
  const partial = isCancelledWithPartialCluster(snapshot);
  const plan = leadingActions(snapshot, partial, extraPortalUrl, extraPortalLabel);
  const lead = [...plan];
  for (const action of snapshot.error?.actions ?? []) {
    const described = describeAction(action);
    if (repeatsLead(described, lead, partial)) continue;
    const rule = ACTION_RULES.find((candidate) => candidate.applies(described, { canEdit }));
    if (rule) plan.push(rule.plan(described, action));
  }
  if (canRetry) plan.push({ as: 'retry', label: EDIT_RETRY_LABEL, testId: 'edit-and-retry' });
  return plan;
}

/**
 * The banner's heading: a cancel that left a cluster behind is "stopped", anything else failed.
 * @param {Snapshot} snapshot
 */
export function bannerHeading(snapshot) {
  return isCancelledWithPartialCluster(snapshot) ? 'Last attempt stopped' : 'Last attempt failed';
}
