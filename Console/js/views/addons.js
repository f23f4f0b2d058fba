// Installed addons: state, version, health, upgrade available; activate/deactivate,
// upgrade/downgrade, configuration, events, uninstall with its removal report.
import { api, answers, ApiError } from '../api.js';
import { h, clear, announce, facts, confirmDialog, describe, uid } from '../dom.js';
import { permissionList } from '../permissions.js';
import { schemaForm } from '../schema-form.js';
import { compareVersions } from './marketplace.js';
import { addonOperations } from './operations.js';
import { healthSection } from './health.js';
import { loadNavigation, pageList, pagesOf } from '../pages.js';
import { policiesSection } from './settings.js';

export async function addonsView(root) {
  const [{ addons }, { packages }] = await Promise.all([api('GET', '/api/v1/addons'), api('GET', '/api/v1/marketplace/packages')]);
  const versions = catalogVersions(packages);
  clear(root, h('h1', {}, 'Installed addons'),
    addons.length === 0 ? h('p', { class: 'muted', id: 'no-addons' }, 'No addon is installed. Install one from the Marketplace.') : null,
    h('div', { class: 'grid' }, addons.map((addon) => {
      const newest = (versions.get(addon.id) || []).at(-1);
      const upgradable = newest && compareVersions(newest, addon.version) > 0;
      return h('article', { class: 'card', 'data-addon': addon.id, 'aria-label': addon.id },
        h('h2', {}, h('a', { href: `#/addons/${encodeURIComponent(addon.id)}` }, addon.id), ' ', stateBadge(addon)),
        facts([['Version', addon.version], ['Upgrade available', upgradable ? newest : ''], ['Health', health(addon)],
          ['Mounted at', h('code', {}, addon.mountPrefix)], ['In flight', addon.inFlightRequests]]),
        h('div', { class: 'actions' }, h('a', { class: 'button', href: `#/addons/${encodeURIComponent(addon.id)}` }, `Manage ${addon.id}`)));
    })));
}

function catalogVersions(packages) {
  const versions = new Map();
  for (const { package: pkg } of packages) {
    if (!versions.has(pkg.manifest.id)) versions.set(pkg.manifest.id, []);
    versions.get(pkg.manifest.id).push(pkg.manifest.version);
  }
  for (const list of versions.values()) list.sort(compareVersions);
  return versions;
}

const health = (addon) => addon.health !== undefined ? (typeof addon.health === 'object' ? addon.health.score : addon.health) : addon.healthScore;
const stateBadge = (addon) => h('span', { class: `badge ${addon.quarantined ? 'quarantined' : addon.state}` }, addon.quarantined ? 'quarantined' : addon.state);

export async function addonView(root, id, navigate) {
  const [addon, { packages }] = await Promise.all([api('GET', `/api/v1/addons/${encodeURIComponent(id)}`), api('GET', '/api/v1/marketplace/packages'), loadNavigation()]);
  const versions = catalogVersions(packages).get(id) || [];
  const reload = () => addonView(root, id, navigate);
  const act = async (action) => {
    try {
      await api('POST', `/api/v1/addons/${encodeURIComponent(id)}/${action}`); announce(`${id}: ${action}d`);
      window.dispatchEvent(new CustomEvent('berth:navigation-changed'));
      await reload();
    } catch (failure) { announce(`${action} failed: ${describe(failure)}`); }
  };
  const config = h('section', { class: 'card', 'aria-label': 'Configuration' });
  const operations = h('div');
  const policies = h('section', { class: 'card', 'aria-label': 'Route policies', id: 'policies' });
  clear(root,
    h('p', {}, h('a', { href: '#/addons' }, '← Installed addons')),
    h('h1', {}, `${addon.id} ${addon.version} `, stateBadge(addon)),
    h('section', { class: 'card', 'aria-label': 'Overview' },
      facts([['State', addon.state], ['Health', health(addon)], ['Loaded', addon.loaded ? 'yes' : 'no'], ['Signed by', h('code', {}, addon.signer)],
        ['Installed', addon.installedAt], ['Mounted at', h('code', {}, addon.mountPrefix)], ['Failure', addon.failure],
        ['Quarantined', addon.quarantined ? `${addon.quarantined.reason || ''} (${addon.quarantined.crashes || '?'} crashes)` : '']]),
      h('h3', {}, 'Permissions'), permissionList(addon.permissions),
      h('h3', {}, 'Routes'), h('ul', {}, addon.routes.map((route) => h('li', {}, h('code', {}, route)))),
      h('h3', {}, 'Pages'), pageList(addon.id),
      h('div', { class: 'actions' },
        addon.state === 'active' ? h('button', { type: 'button', class: 'secondary', onclick: () => act('deactivate') }, 'Deactivate')
          : h('button', { type: 'button', onclick: () => act('activate') }, 'Activate'),
        upgradeControl(addon, versions, reload),
        h('button', { type: 'button', class: 'danger', onclick: () => uninstall(addon, root, navigate) }, `Uninstall ${addon.id}…`))),
    healthSection(addon.health), config, policies, operations);
  await Promise.all([configSection(config, id), policiesSection(policies, id, addon.mountPrefix), addonOperations(operations, id)]);
}

function upgradeControl(addon, versions, reload) {
  const others = versions.filter((version) => version !== addon.version);
  if (others.length === 0) return h('span', { class: 'muted' }, 'No other version in the catalog.');
  const selectId = uid('target');
  const select = h('select', { id: selectId }, others.reverse().map((version) => h('option', { value: version },
    `${version}${compareVersions(version, addon.version) < 0 ? ' (downgrade)' : ''}`)));
  const go = async (force) => {
    try {
      await api('POST', `/api/v1/addons/${encodeURIComponent(addon.id)}/upgrade`, { version: select.value, force });
      announce(`${addon.id} is now ${select.value}`);
      window.dispatchEvent(new CustomEvent('berth:navigation-changed'));
      await reload();
    } catch (failure) {
      if (failure.code === 'downgrade_refused' && !force) {
        const choice = await confirmDialog(`Downgrade ${addon.id} to ${select.value}?`, h('p', {}, failure.message),
          [{ label: 'Downgrade and run the down-migrations', value: 'force', class: 'danger' }, { label: 'Cancel', value: null, class: 'secondary' }]);
        if (choice === 'force') await go(true);
      } else announce(`Not changed: ${describe(failure)}`);
    }
  };
  return h('span', { class: 'actions' }, h('label', { for: selectId }, 'Change version to'), select,
    h('button', { type: 'button', class: 'secondary', onclick: () => go(false) }, 'Change version'));
}

async function configSection(section, id) {
  const report = await api('GET', `/api/v1/addons/${encodeURIComponent(id)}/config`);
  const form = schemaForm(report.schema, { values: report.configuration, sensitive: report.sensitiveKeys, legend: 'Values' });
  const error = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit' }, 'Save configuration');
  const element = h('form', { novalidate: true, id: 'config-form' }, form.element, error, h('div', { class: 'actions' }, save));
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.clearErrors(); error.textContent = ''; save.disabled = true;
    try {
      await api('PATCH', `/api/v1/addons/${encodeURIComponent(id)}/config`, form.collect('update'));
      announce('Configuration saved');
      await configSection(section, id);
    } catch (failure) {
      if (failure instanceof ApiError && failure.violations.length) form.showErrors(failure.violations);
      error.textContent = `Not saved: ${describe(failure)}`;
    } finally { save.disabled = false; }
  });
  if (!report.schema || !report.schema.properties) clear(section, h('h2', {}, 'Configuration'), h('p', { class: 'muted' }, 'This addon has no configuration.'));
  else clear(section, h('h2', {}, 'Configuration'), element);
}

async function uninstall(addon, root, navigate) {
  const keepId = uid('keep'), cascadeId = uid('cascade');
  const keep = h('input', { type: 'checkbox', id: keepId });
  const cascade = h('input', { type: 'checkbox', id: cascadeId });
  const choice = await confirmDialog(`Uninstall ${addon.id} ${addon.version}?`, h('div', {},
    h('p', {}, 'This will remove:'),
    h('ul', {},
      h('li', {}, `its routes: ${addon.routes.join(', ') || 'none'}`),
      h('li', {}, `its pages: ${pagesOf(addon.id).map((item) => item.url).join(', ') || 'none'}`),
      h('li', {}, `its migrations, reverted newest first: ${addon.migrations.join(', ') || 'none'}`),
      h('li', {}, 'its database (unless kept), its files and its registry entry')),
    h('div', { class: 'field check' }, keep, ' ', h('label', { for: keepId }, 'Keep its data for a later install')),
    h('div', { class: 'field check' }, cascade, ' ', h('label', { for: cascadeId }, 'Also uninstall the addons that depend on it'))),
  [{ label: 'Uninstall', value: 'uninstall', class: 'danger' }, { label: 'Cancel', value: null, class: 'secondary' }]);
  if (choice !== 'uninstall') return;
  try {
    const pages = pagesOf(addon.id).map((item) => item.url);
    const report = await api('DELETE', `/api/v1/marketplace/uninstall/${encodeURIComponent(addon.id)}?keep_data=${keep.checked}&cascade=${cascade.checked}`);
    clear(root, h('h1', {}, `${report.id} ${report.version} uninstalled`), removalReport(report, pages),
      h('p', {}, h('a', { href: '#/addons' }, 'Back to installed addons')));
    announce(`${report.id} uninstalled`);
    window.dispatchEvent(new CustomEvent('berth:navigation-changed'));
  } catch (failure) {
    announce(`Not uninstalled: ${describe(failure)}`);
  }
}

function removalReport(report, pages = []) {
  const removed = report.removed;
  return h('section', { class: 'card', id: 'removal-report', 'aria-label': 'Removal report' },
    h('h2', {}, 'Removed'),
    facts([['Routes', removed.routes.join(', ') || 'none'], ['Pages', pages.join(', ')], ['Migrations reverted', removed.migrationsReverted.join(', ') || 'none'],
      ['Database', removed.database || 'none'], ['Files', `${removed.files} under ${removed.installPath}`],
      ['Event subscriptions', removed.subscriptions], ['Registry entry', removed.registryEntry ? 'removed' : 'none'],
      ['Data kept at', report.keptData], ['Left by down-migrations', (report.leftByDownMigrations || []).join(', ')]]),
    h('h2', {}, 'Residue audit'),
    report.residue.length === 0 ? h('p', { id: 'residue' }, 'Nothing is left behind.')
      : h('ul', { id: 'residue', class: 'error' }, report.residue.map((item) => h('li', {}, item))),
    (report.cascaded || []).map((child) => h('div', {}, h('h3', {}, `Also uninstalled: ${child.id} ${child.version}`), removalReport(child))));
}

export { answers };
