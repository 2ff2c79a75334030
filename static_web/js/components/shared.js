// @ts-check
// What every component shares: the dashboard and the Create form through one context, a
// hook that moves focus when the dashboard asks, a media query as state, and `pure` (a
// component that renders again only when its props change).

import { Component, createContext, h } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';

/** @typedef {import('../dashboard.js').Dashboard} Dashboard */
/** @typedef {import('../create-form.js').CreateForm} CreateForm */

export const AppContext = createContext(/** @type {{dashboard: Dashboard, createForm: CreateForm}} */ ({}));

/** The dashboard and the Create form of this page. */
export const useApp = () => useContext(AppContext);

/**
 * Move focus to `ref` when the dashboard's focus request names it (`matches`), then clear it.
 * @param {(request: import('../dashboard.js').FocusRequest) => boolean} matches
 * @param {{current: HTMLElement | null}} ref
 */
export function useFocusRequest(matches, ref) {
  const { dashboard } = useApp();
  const request = dashboard.state.focus.value;
  const dialogOpen = dashboard.state.dialog.value !== null;
  useEffect(() => {
    if (request && !dialogOpen && matches(request) && ref.current) {
      ref.current.focus();
      dashboard.state.focus.value = null;
    }
  }, [request, dialogOpen]);
}

/**
 * Whether a media query matches now, following changes.
 * @param {string} query
 */
export function useMedia(query) {
  const list = typeof matchMedia === 'function' ? matchMedia(query) : null;
  const [matches, setMatches] = useState(list?.matches ?? true);
  useEffect(() => {
    if (!list) return undefined;
    /** @param {MediaQueryListEvent} event */
    const follow = (event) => setMatches(event.matches);
    list.addEventListener('change', follow);
    return () => list.removeEventListener('change', follow);
  }, [query]);
  return matches;
}

/**
 * A component that renders again only when a prop changes (compared with ===).
 * @template {Record<string, any>} P
 * @param {(props: P) => any} render
 */
export function pure(render) {
  /** @extends {Component<P>} */
  class Pure extends Component {
    /** @param {P} next */
    shouldComponentUpdate(next) {
      const props = /** @type {Record<string, any>} */ (this.props);
      const keys = Object.keys(next);
      return keys.length !== Object.keys(props).length || keys.some((key) => props[key] !== next[key]);
    }

    render() {
      return h(/** @type {any} */ (render), this.props);
    }
  }
  return Pure;
}
