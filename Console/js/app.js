// The console's shell: sign-in, navigation (hash routes, so a reload keeps the page), and the
// views; optional views appear only when the host answers their endpoint.
import { currentSession, signIn, signOut } from './api.js';
import { h, clear, describe } from './dom.js';
import { marketplaceView } from './views/marketplace.js';
import { addonsView, addonView } from './views/addons.js';
import { hostView, optionalView, detectOptionalViews } from './views/operations.js';
import { loadNavigation, navigationLinks, addonPageView } from './pages.js';
import { providersView, auditView, inboxView } from './views/settings.js';
import { keysView } from './views/keys.js';
import { deadLettersView } from './views/jobs.js';

const nav = document.getElementById('nav');
const content = document.getElementById('content');
const signInSection = document.getElementById('sign-in');
const signOutButton = document.getElementById('sign-out');
let optional = [];

const views = [
  { route: 'marketplace', label: 'Marketplace' },
  { route: 'addons', label: 'Installed' },
  { route: 'host', label: 'Host' },
];

function showSignIn() {
  nav.hidden = true; signOutButton.hidden = true; content.replaceChildren();
  signInSection.hidden = false;
  document.getElementById('token').focus();
}

async function showConsole() {
  signInSection.hidden = true; nav.hidden = false; signOutButton.hidden = false;
  [optional] = await Promise.all([detectOptionalViews(), loadNavigation()]);
  drawNavigation();
  await route();
}

function drawNavigation() {
  clear(nav, [...views, ...optional].map((view) => h('a', { href: `#/${view.route}`, 'data-route': view.route }, view.label)), navigationLinks());
}

/** Installing or removing an addon adds or removes its pages: read the items again. */
async function refreshNavigation() {
  try { if (await loadNavigation()) { drawNavigation(); markCurrent(); } } catch { /* signed out: the sign-in shows */ }
}

function markCurrent() {
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'marketplace').split('/');
  const page = name === 'page' ? rest.map(decodeURIComponent).join('/') : null;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.route === name && (!page || link.dataset.page === page)) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
}

async function route() {
  if (signInSection.hidden === false) return;
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'marketplace').split('/');
  markCurrent();
  if (name !== 'page') refreshNavigation();
  try {
    if (name === 'marketplace') await marketplaceView(content);
    else if (name === 'addons' && rest.length) await addonView(content, decodeURIComponent(rest.join('/')));
    else if (name === 'addons') await addonsView(content);
    else if (name === 'host') await hostView(content);
    else if (name === 'providers' && optional.some((view) => view.route === 'providers')) await providersView(content);
    else if (name === 'audit' && optional.some((view) => view.route === 'audit')) await auditView(content);
    else if (name === 'inbox' && optional.some((view) => view.path === '/api/v1/dev/inbox')) await inboxView(content);
    else if (name === 'dead' && optional.some((view) => view.route === 'dead')) await deadLettersView(content);
    else if (name === 'keys' && optional.some((view) => view.path === '/api/v1/trusted-keys')) await keysView(content);
    else if (name === 'page' && rest.length > 1) {
      await addonPageView(content, decodeURIComponent(rest[0]), rest.slice(1).join('/'));
      drawNavigation(); markCurrent();
    }
    else {
      const view = optional.find((item) => item.route === name);
      if (view) await optionalView(content, view);
      else clear(content, h('h1', {}, 'Not found'), h('p', {}, 'This page does not exist. ', h('a', { href: '#/marketplace' }, 'Go to the marketplace.')));
    }
  } catch (error) {
    if (error.status === 401) return;
    clear(content, h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, describe(error)));
  }
  document.getElementById('view').focus({ preventScroll: true });
}

document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = document.getElementById('token');
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  try {
    await signIn(field.value);
    field.value = '';
    await showConsole();
  } catch (failure) {
    error.textContent = describe(failure);
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
});

signOutButton.addEventListener('click', async () => {
  try { await signOut(); } finally { showSignIn(); }
});

window.addEventListener('hashchange', route);
window.addEventListener('berth:signed-out', showSignIn);
// Again a moment later: right after a change, a worker of the retiring generation may answer
// the first read with the navigation from before it.
window.addEventListener('berth:navigation-changed', () => { refreshNavigation(); setTimeout(refreshNavigation, 1500); });

(await currentSession()) ? showConsole() : showSignIn();
