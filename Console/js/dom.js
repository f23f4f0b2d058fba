// A small element builder: text goes in as text nodes, never as HTML.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let counter = 0;
/** A unique element id, for label/field and field/error pairs. */
export const uid = (prefix) => `${prefix}-${++counter}`;

/** A short message in the polite live region. */
export function announce(text) {
  const status = document.getElementById('status');
  status.textContent = text;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { status.textContent = ''; }, 5000);
}

/** A definition list of label → value pairs, skipping empty values. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

/** A modal dialog; resolves with the value of the button pressed (or null when dismissed). */
export function confirmDialog(title, body, buttons) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title), body,
      h('div', { class: 'actions' }, buttons.map((button) => h('button', {
        type: 'button', class: button.class, onclick: () => { dialog.close(); resolve(button.value); },
      }, button.label))));
    dialog.addEventListener('cancel', () => resolve(null));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** An error in words: the host's message, and its code for reference. */
export const describe = (error) => error.code ? `${error.message} (${error.code})` : String(error.message || error);
