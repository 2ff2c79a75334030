// @ts-check
// A modal dialog on the native <dialog>: it opens when mounted (focus moves in, the page
// behind is inert), Escape asks to close, and when it goes focus returns to the control that
// opened it — unless the dashboard sends focus elsewhere (a submit focuses what it started).

import { html } from 'htm/preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

/**
 * @param {object} props
 * @param {string} props.titleId the id of the dialog's heading (its accessible name)
 * @param {() => void} props.onClose
 * @param {string} [props.className]
 * @param {string} [props.testId]
 * @param {{current: HTMLElement | null}} [props.initialFocus]
 * @param {any} [props.children]
 */
export function Modal({ titleId, onClose, className = 'dialog', testId, initialFocus, children }) {
  const ref = useRef(/** @type {HTMLDialogElement | null} */ (null));
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    const opener = document.activeElement;
    dialog.showModal();
    initialFocus?.current?.focus();
    return () => {
      const active = document.activeElement;
      const focusInside = !active || active === document.body || dialog.contains(active);
      if (dialog.open) dialog.close();
      if (focusInside && opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);
  /** @param {Event} event */
  const cancel = (event) => {
    event.preventDefault();
    onClose();
  };
  return html`<dialog ref=${ref} class=${className} aria-labelledby=${titleId} data-testid=${testId} onCancel=${cancel}>
    ${children}
  </dialog>`;
}
