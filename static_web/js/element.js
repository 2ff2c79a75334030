// Build DOM nodes safely: every string becomes a text node or an attribute value, never HTML.

/**
 * Create an element. `props`: className, text, attrs (setAttribute), dataset, on (event
 * listeners), plus any direct DOM property (type, disabled, hidden, value, ...).
 */
export function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { className, text, attrs, dataset, on, ...properties } = props;
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  Object.assign(node.dataset, dataset ?? {});
  for (const [type, listener] of Object.entries(on ?? {})) node.addEventListener(type, listener);
  for (const [name, value] of Object.entries(properties)) node[name] = value;
  append(node, ...children);
  return node;
}

/** Append children, turning strings into text nodes and skipping null/false. */
export function append(parent, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Replace all children of a node. */
export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, ...children);
}
