// The catalog: packages with their versions and what they ask for, upload, install with
// configuration, delete a catalog package.
import { api, upload, ApiError } from '../api.js';
import { h, clear, announce, facts, confirmDialog, describe, uid } from '../dom.js';
import { permissionList, routePolicies, pagesItAdds } from '../permissions.js';
import { schemaForm } from '../schema-form.js';

export async function marketplaceView(root) {
  const list = h('div', { class: 'grid', id: 'catalog' });
  clear(root, h('h1', {}, 'Marketplace'), uploader(() => refresh()), h('h2', {}, 'Catalog'), list);
  async function refresh() {
    const [{ packages }, { addons }] = await Promise.all([api('GET', '/api/v1/marketplace/packages'), api('GET', '/api/v1/addons')]);
    const installed = new Map(addons.map((addon) => [addon.id, addon]));
    const byId = new Map();
    for (const listing of packages) {
      const id = listing.package.manifest.id;
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id).push(listing);
    }
    clear(list, byId.size === 0 ? h('p', { class: 'muted' }, 'The catalog is empty: upload a package.') : null,
      [...byId.entries()].sort().map(([id, versions]) => packageCard(id, versions, installed.get(id), refresh)));
  }
  await refresh();
}

function uploader(done) {
  const inputId = uid('upload');
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const message = h('p', { role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const input = h('input', { id: inputId, type: 'file', accept: '.berth,application/octet-stream' });
  const zone = h('div', { class: 'drop' },
    h('label', { for: inputId }, 'Package archive (.berth)'),
    h('p', { class: 'muted' }, 'Choose a file or drop it here. It is verified (signature, manifest, every file) before it enters the catalog.'),
    input, progress, message, error);

  async function send(file) {
    if (!file) return;
    error.textContent = ''; message.textContent = `Uploading ${file.name}…`;
    progress.hidden = false; progress.value = 0;
    try {
      const pkg = await upload(file, (fraction) => { progress.value = fraction; });
      progress.value = 1;
      message.textContent = `${pkg.manifest.name || pkg.manifest.id} ${pkg.manifest.version} is in the catalog, signed by ${pkg.signer}.`;
      input.value = '';
      await done();
    } catch (failure) {
      message.textContent = '';
      error.textContent = `The package was refused: ${describe(failure)}`;
    } finally {
      progress.hidden = true;
    }
  }
  input.addEventListener('change', () => send(input.files[0]));
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => { event.preventDefault(); zone.classList.remove('over'); send(event.dataTransfer.files[0]); });
  return h('section', { class: 'card', 'aria-label': 'Upload a package' }, h('h2', {}, 'Upload'), zone);
}

function packageCard(id, versions, installed, refresh) {
  versions.sort((a, b) => compareVersions(b.package.manifest.version, a.package.manifest.version));
  const selectId = uid('version');
  const select = h('select', { id: selectId }, versions.map((listing) => h('option', { value: listing.package.manifest.version },
    listing.package.manifest.version + (listing.state === 'installed' ? ' (installed)' : ''))));
  const details = h('div');
  const show = () => {
    const listing = versions.find((item) => item.package.manifest.version === select.value);
    const { manifest } = listing.package;
    clear(details,
      h('p', {}, manifest.description || ''),
      facts([['Publisher key', h('code', {}, listing.package.signer)], ['Mounts at', h('code', {}, manifest.mountPrefix)],
        ['PluginAPI', manifest.pluginAPI], ['Depends on', Object.entries(manifest.dependencies || {}).map(([d, r]) => `${d} ${r}`).join(', ')],
        ['Added', listing.package.addedAt]]),
      h('h3', {}, 'Permissions it asks for'), permissionList(manifest.permissions),
      h('h3', {}, 'Route policies'), routePolicies(manifest),
      h('h3', {}, 'Pages'), pagesItAdds(manifest),
      h('div', { class: 'actions' },
        installed ? h('span', { class: 'muted' }, `Installed: ${installed.version} (${installed.state}). Change versions on the Installed page.`)
          : h('button', { type: 'button', onclick: () => installDialog(listing, refresh) }, `Install ${manifest.version}…`),
        h('button', { type: 'button', class: 'secondary', onclick: () => deletePackage(manifest, refresh) }, 'Delete from catalog')));
  };
  select.addEventListener('change', show);
  show();
  const name = versions[0].package.manifest.name || id;
  return h('article', { class: 'card', 'data-package': id, 'aria-label': name },
    h('h2', {}, name, ' ', h('span', { class: `badge ${installed ? 'installed' : 'validated'}` }, installed ? 'installed' : 'available')),
    h('label', { for: selectId }, 'Version'), select, details);
}

async function installDialog(listing, refresh) {
  const { manifest } = listing.package;
  const form = schemaForm(manifest.configSchema, { sensitive: manifest.sensitiveKeys || [], legend: 'Configuration' });
  const error = h('p', { class: 'error', role: 'alert' });
  const dialog = h('dialog', { 'aria-labelledby': 'install-title', id: 'install-dialog' });
  const submit = h('button', { type: 'submit' }, 'Install');
  const formElement = h('form', { novalidate: true },
    h('h2', { id: 'install-title' }, `Install ${manifest.name || manifest.id} ${manifest.version}`),
    h('p', {}, 'It will be granted:'), permissionList(manifest.permissions), routePolicies(manifest),
    form.element, error,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel')));
  formElement.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = ''; form.clearErrors(); submit.disabled = true;
    try {
      const report = await api('POST', '/api/v1/marketplace/install', { id: manifest.id, version: manifest.version, config: form.collect('install') });
      dialog.close();
      announce(`${report.id} ${report.version} installed at ${report.mountPrefix}`);
      window.dispatchEvent(new CustomEvent('berth:navigation-changed'));
      await refresh();
    } catch (failure) {
      if (failure instanceof ApiError && failure.violations.length) form.showErrors(failure.violations);
      error.textContent = `Not installed: ${describe(failure)}`;
    } finally {
      submit.disabled = false;
    }
  });
  dialog.append(formElement);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

async function deletePackage(manifest, refresh) {
  const choice = await confirmDialog(`Delete ${manifest.id} ${manifest.version} from the catalog?`,
    h('p', {}, 'The archive is removed from the catalog; an installed addon is not affected.'),
    [{ label: 'Delete', value: 'delete', class: 'danger' }, { label: 'Cancel', value: null, class: 'secondary' }]);
  if (choice !== 'delete') return;
  try {
    await api('DELETE', `/api/v1/marketplace/packages/${encodeURIComponent(manifest.id)}/${encodeURIComponent(manifest.version)}`);
    announce(`${manifest.id} ${manifest.version} deleted from the catalog`);
    await refresh();
  } catch (failure) {
    announce(failure.status === 404 || failure.status === 405 ? 'This host cannot delete catalog packages yet.' : `Not deleted: ${describe(failure)}`);
  }
}

export function compareVersions(a, b) {
  const parse = (v) => v.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
  return 0;
}
