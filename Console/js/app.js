// The console's shell: sign-in, navigation (hash routes, so a reload keeps the page), and the
// views; optional views appear only when the host answers their endpoint.
import { currentSession, signIn, signOut } from './api.js';
import { h, clear, describe } from './dom.js';
import { marketplaceView } from './views/marketplace.js';
import { addonsView, addonView } from './views/addons.js';
import { hostView, optionalView, detectOptionalViews } from './views/operations.js';

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
  optional = await detectOptionalViews();
  clear(nav, [...views, ...optional].map((view) => h('a', { href: `#/${view.route}`, 'data-route': view.route }, view.label)));
  await route();
}

async function route() {
  if (signInSection.hidden === false) return;
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'marketplace').split('/');
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.route === name) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  try {
    if (name === 'marketplace') await marketplaceView(content);
    else if (name === 'addons' && rest.length) await addonView(content, decodeURIComponent(rest.join('/')));
    else if (name === 'addons') await addonsView(content);
    else if (name === 'host') await hostView(content);
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

(await currentSession()) ? showConsole() : showSignIn();
