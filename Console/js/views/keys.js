// Trusted keys: the publishers whose packages this host accepts, added (a PEM public key) and
// revoked at run time through /api/v1/trusted-keys.
import { api, send } from '../api.js';
import { h, clear, announce, describe, confirmDialog } from '../dom.js';

export async function keysView(root) {
  const listing = await api('GET', '/api/v1/trusted-keys');
  const reload = () => keysView(root);
  const field = h('textarea', { id: 'new-key', name: 'key', rows: 4, spellcheck: 'false', 'aria-describedby': 'new-key-error',
    placeholder: '-----BEGIN PUBLIC KEY-----' });
  const file = h('input', { id: 'new-key-file', type: 'file', accept: '.pub,.pem,text/plain' });
  file.addEventListener('change', async () => { if (file.files[0]) field.value = await file.files[0].text(); });
  const error = h('p', { class: 'error', id: 'new-key-error', role: 'alert' });
  const form = h('form', { novalidate: true, id: 'add-key' },
    h('label', { for: 'new-key' }, 'Public key (PEM, as written by addonctl keygen)'), field,
    h('label', { for: 'new-key-file' }, 'Or read it from a file'), file, error,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Trust this key')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = ''; field.removeAttribute('aria-invalid');
    try {
      const key = await send('POST', '/api/v1/trusted-keys', field.value.trim() + '\n', 'application/x-pem-file');
      announce(`key ${key.id} is trusted`);
      await reload();
    } catch (failure) {
      field.setAttribute('aria-invalid', 'true');
      error.textContent = `Not added: ${describe(failure)}`;
      field.focus();
    }
  });
  const revoke = async (key) => {
    const choice = await confirmDialog(`Revoke key ${key.id}?`, h('div', {},
      h('p', {}, 'Packages it signed can no longer be added, installed or upgraded to.'),
      key.installedAddons.length ? h('p', {}, `Installed addons it signed keep running until you uninstall them: ${key.installedAddons.join(', ')}.`) : null),
    [{ label: 'Revoke', value: 'revoke', class: 'danger' }, { label: 'Cancel', value: null, class: 'secondary' }]);
    if (choice !== 'revoke') return;
    try {
      const answer = await api('DELETE', `/api/v1/trusted-keys/${encodeURIComponent(key.id)}`);
      announce(answer.message);
      await reload();
    } catch (failure) { announce(`Not revoked: ${describe(failure)}`); }
  };
  const problems = Object.entries(listing.problems || {});
  clear(root, h('h1', {}, 'Trusted keys'),
    h('section', { class: 'card', 'aria-label': 'Keys' }, listing.keys.length === 0 ? h('p', { class: 'muted' }, 'No key is trusted: no package can be added.')
      : h('div', { class: 'scroll' }, h('table', { id: 'keys' },
        h('thead', {}, h('tr', {}, ['Key', 'File', 'Installed addons it signed', ''].map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, listing.keys.map((key) => h('tr', { 'data-key': key.id },
          h('td', {}, h('code', {}, key.id)), h('td', {}, key.file || ''), h('td', {}, key.installedAddons.join(', ') || 'none'),
          h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => revoke(key) }, `Revoke ${key.id}`)))))))),
    listing.revoked.length ? h('section', { class: 'card', 'aria-label': 'Revoked keys' }, h('h2', {}, 'Revoked'),
      h('ul', { id: 'revoked' }, listing.revoked.map((id) => h('li', {}, h('code', {}, id))))) : null,
    problems.length ? h('section', { class: 'card', 'aria-label': 'Unreadable key files' }, h('h2', {}, 'Key files that could not be read'),
      h('ul', { class: 'error' }, problems.map(([path, reason]) => h('li', {}, `${path}: ${reason}`)))) : null,
    h('section', { class: 'card', 'aria-label': 'Add a key' }, h('h2', {}, 'Add a key'), form));
}
