// Addon pages: the navigation items installed addons declare, and the view that shows one page
// in a sandboxed frame. The host serves the pages under /apps/<id>/ with a `sandbox` policy of
// their own, so a page runs in an opaque origin: it cannot read this console, its session or its
// CSRF token, and the admin API refuses the session cookie from any other origin.
import { api } from './api.js';
import { h, clear } from './dom.js';

let current = { console: [], apps: [] };
let signature = '';

/** Reads the navigation items of the mounted addons; resolves to whether they changed. */
export async function loadNavigation() {
  let next;
  try { next = await api('GET', '/api/v1/navigation'); } catch (error) {
    if (error.status === 401) throw error;
    next = { console: [], apps: [] };
  }
  const text = JSON.stringify(next);
  const changed = text !== signature;
  current = next; signature = text;
  return changed;
}

/** The console route of a page. */
export const pageRoute = (item) => `#/page/${encodeURIComponent(item.addon)}/${item.path}`;

/** The console area's items as navigation links, grouped by parent. */
export function navigationLinks() {
  const groups = new Map();
  for (const item of current.console) {
    if (!groups.has(item.parent)) groups.set(item.parent, []);
    groups.get(item.parent).push(item);
  }
  return [...groups.entries()].map(([parent, items]) => h('span', { class: 'nav-group', role: 'group', 'aria-label': parent },
    h('span', { class: 'nav-parent', 'aria-hidden': 'true' }, parent),
    items.map((item) => h('a', { href: pageRoute(item), 'data-route': 'page', 'data-page': `${item.addon}/${item.path}`, 'data-addon': item.addon },
      item.icon ? h('img', { src: item.icon, alt: '', width: 16, height: 16 }) : null, item.name))));
}

/** The pages of one addon, in both areas. */
export const pagesOf = (id) => [...current.console, ...current.apps].filter((item) => item.addon === id);

/** A list of an addon's pages: console pages open here, end-user pages in a new tab. */
export function pageList(id) {
  const items = pagesOf(id);
  if (items.length === 0) return h('p', { class: 'muted' }, 'This addon has no pages.');
  return h('ul', { class: 'pages' }, items.map((item) => h('li', { 'data-page': `${item.addon}/${item.path}` },
    item.area === 'console' ? h('a', { href: pageRoute(item) }, item.name)
      : h('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer' }, item.name),
    ' ', h('span', { class: 'muted' }, item.area === 'console' ? '(in the console)' : `(for end users at ${item.url})`))));
}

/** `#/page/<addon>/<path>`: the page in a sandboxed frame, or why it is not there. */
export async function addonPageView(root, addon, path) {
  await loadNavigation();
  const item = [...current.console, ...current.apps].find((entry) => entry.addon === addon && entry.path === path);
  if (!item) {
    clear(root, h('h1', {}, 'Page not found'), h('section', { class: 'card', id: 'page-gone' },
      h('p', {}, `No installed addon serves the page ${addon}/${path}: it may have been uninstalled or deactivated.`),
      h('p', {}, h('a', { href: '#/addons' }, 'Installed addons'))));
    return;
  }
  clear(root, h('h1', {}, item.name),
    h('p', { class: 'muted' }, `A page of ${item.addon}, shown in a sandboxed frame: it cannot use your console session.`),
    h('iframe', { id: 'addon-page', class: 'addon-page', src: item.url, title: `${item.name} (${item.addon})`,
      sandbox: 'allow-scripts allow-forms', referrerpolicy: 'no-referrer' }));
}
