// @ts-check
// Where a form shows the server's refusal: a 400 next to the field it names, anything else
// (409 pool_exists, last_system_pool, quota_exceeded with its quota link, a lost connection)
// as text above the fields, with the error's links. Pure: no DOM.

import { describeAction } from './failure-presentation.js';

/**
 * @typedef {object} Refusal
 * @property {string | null} field the form field to show it next to, or null (above the fields)
 * @property {string} message
 * @property {{label: string, url: string}[]} links the error's actions that are links
 */

/**
 * How a refused request reads in a form whose fields `toField` maps from the server's names.
 * @param {unknown} problem an ApiError (or any Error)
 * @param {(serverField: string | null | undefined) => string | null} toField
 * @returns {Refusal}
 */
export function refusalOf(problem, toField) {
  const error = /** @type {{status?: number, message?: string, serverField?: string | null, actions?: unknown[]}} */ (
    problem ?? {}
  );
  const message = typeof error.message === 'string' && error.message ? error.message : 'The request failed.';
  const field = error.status === 400 ? toField(error.serverField) : null;
  const links = (Array.isArray(error.actions) ? error.actions : [])
    .map((action) => describeAction(/** @type {any} */ (action)))
    .flatMap((described) => (described.as === 'link' && described.url && described.label ? [{ label: described.label, url: described.url }] : []));
  return { field, message, links };
}
