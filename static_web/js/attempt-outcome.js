// @ts-check
// What the card says when a tracked attempt finishes, as a rule table. Pure: no DOM.

import { isReportableFailure } from './failure-snapshot.js';
import { safeHttpsUrl } from './failure-presentation.js';
import { statusLabel } from './progress.js';

export const SUCCEEDED = 'succeeded';
export const FAILED = 'failed';
export const ENDED = 'ended';
export const PORTAL_LINK_LABEL = 'View cluster in Azure portal';

/** @typedef {import('./contract.js').TaskDocument} TaskDocument */
/**
 * A short message in the card: `tone` info/success/warning, `link` {label, url} or null.
 * @typedef {{text: string, tone: string, link: {label: string, url: string} | null}} Notice
 */

/** @param {TaskDocument} task */
const nameOf = (task) => task.request?.cluster_name ?? 'the cluster';

/**
 * First matching rule wins: `report` is what the app is told, `notice` what the card shows.
 * @type {{applies: (task: TaskDocument) => boolean, report: string, notice: (task: TaskDocument) => Notice}[]}
 */
const OUTCOME_RULES = [
  {
    applies: (task) => task.status === 'succeeded',
    report: SUCCEEDED,
    notice: (task) => {
      const url = safeHttpsUrl(task.progress?.portal_url);
      return {
        text: `Cluster ${nameOf(task)} is ready.`,
        tone: 'success',
        link: url ? { label: PORTAL_LINK_LABEL, url } : null,
      };
    },
  },
  // The banner tells this one; the card's own notice is cleared.
  { applies: isReportableFailure, report: FAILED, notice: () => ({ text: '', tone: 'info', link: null }) },
  {
    applies: (task) => task.status === 'cancelled',
    report: ENDED,
    notice: (task) => ({
      text: `The attempt for ${nameOf(task)} was cancelled before Azure created anything.`,
      tone: 'info',
      link: null,
    }),
  },
  {
    applies: () => true,
    report: ENDED,
    notice: (task) => ({
      text: `The attempt for ${nameOf(task)} ended: ${statusLabel(task.status)}.`,
      tone: 'info',
      link: null,
    }),
  },
];

/**
 * How a finished task reads: `{report, notice: {text, tone, link}}`.
 * @param {TaskDocument} task
 */
export function attemptOutcome(task) {
  const rule = OUTCOME_RULES.find((candidate) => candidate.applies(task)) ?? OUTCOME_RULES[OUTCOME_RULES.length - 1];
  return { report: rule.report, notice: rule.notice(task) };
}
