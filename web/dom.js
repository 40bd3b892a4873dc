// Building elements. Text goes in through textContent only (strings given as children
// become text nodes), so whatever a message holds is shown, never run.

// h('li', { class: 'row', dataset: { id } }, 'text', child, ...): a new element.
// Attributes are set as attributes, except `class`, `dataset`, `hidden` and event
// handlers (`onclick`, ...), which are set as properties. Null children are skipped.
export function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'hidden') el.hidden = true;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const byId = (id) => document.getElementById(id);

// The first line of a message, for a list row.
export const firstLine = (text) => text.split('\n', 1)[0];
