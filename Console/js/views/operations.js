// Operations: lifecycle events, host information, cluster nodes, and the views of endpoints that
// a host may not have yet (providers, logs, metrics, jobs, dead letters, trusted keys, development inbox): each
// is shown only when a GET on its endpoint answers, and stays hidden on 404.
import { api, answers } from '../api.js';
import { h, clear, facts } from '../dom.js';
import { metricsSection, thresholdSection } from './health.js';
import { logsSection } from './logs.js';
import { jobsSection } from './jobs.js';

/** Optional top-level views: the endpoints tried in order; the first that answers is used. */
export const optionalViews = [
  { route: 'providers', label: 'Providers', paths: ['/api/v1/providers'] },
  { route: 'keys', label: 'Trusted keys', paths: ['/api/v1/trusted-keys', '/api/v1/keys'] },
  { route: 'inbox', label: 'Dev inbox', paths: ['/api/v1/dev/inbox', '/api/v1/inbox', '/api/v1/providers/inbox'] },
  { route: 'cluster', label: 'Cluster', paths: ['/api/v1/cluster'] },
  { route: 'audit', label: 'Audit log', paths: ['/api/v1/audit?limit=1'] },
  { route: 'dead', label: 'Dead letters', paths: ['/api/v1/events/dead?limit=1'] },
];

/** The optional views this host answers, each with the endpoint that answered. */
export async function detectOptionalViews() {
  const found = await Promise.all(optionalViews.map(async (view) => {
    for (const path of view.paths) if (await answers(path)) return { ...view, path };
    return null;
  }));
  return found.filter(Boolean);
}

export async function hostView(root) {
  const host = await api('GET', '/api/v1/host');
  clear(root, h('h1', {}, 'Host'), h('section', { class: 'card', id: 'host-info' }, facts([
    ['ABI version', host.abiVersion], ['PluginAPI', host.pluginAPIVersion], ['Toolchain', host.toolchain],
    ['Architecture', host.architecture], ['Process', host.pid], ['PluginAPI runtime token', h('code', {}, host.pluginAPIRuntimeToken)]])));
}

/** A generic view of an optional endpoint: tables for lists of objects, facts for objects. */
export async function optionalView(root, view) {
  const body = await api('GET', view.path);
  clear(root, h('h1', {}, view.label), h('section', { class: 'card' }, render(body, view)));
}

function render(value, view) {
  if (Array.isArray(value)) return table(value);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.map(([key, inner]) => Array.isArray(inner) ? [h('h2', {}, key), table(inner, view)]
      : inner && typeof inner === 'object' ? [h('h2', {}, key), render(inner, view)] : facts([[key, String(inner)]]));
  }
  return h('p', {}, String(value));
}

function table(rows) {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'None.');
  if (typeof rows[0] !== 'object' || rows[0] === null) return h('ul', {}, rows.map((row) => h('li', {}, String(row))));
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value) => value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col' }, column)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((column) => h('td', {}, cell(row[column]))))))));
}

/** The addon page's operations: lifecycle events always; metrics, threshold, logs and jobs when answered. */
export async function addonOperations(root, id) {
  const base = `/api/v1/addons/${encodeURIComponent(id)}`;
  const events = await api('GET', `${base}/events`);
  const sections = [h('section', { class: 'card', id: 'events', 'aria-label': 'Lifecycle events' }, h('h2', {}, 'Lifecycle events'),
    table(events.events.slice().reverse().map((event) => ({ time: event.time, event: event.event, version: event.version || '', detail: event.detail || '' }))))];
  const [hasMetrics, hasThreshold, hasLogs, hasJobs] = await Promise.all(['metrics', 'error-threshold', 'logs?limit=1', 'jobs'].map((path) => answers(`${base}/${path}`)));
  const logs = hasLogs ? logsSection(base) : null;
  if (hasMetrics) sections.push(metricsSection(base, (requestID) => logs && logs.show(requestID)));
  if (hasThreshold) sections.push(thresholdSection(base));
  if (logs) sections.push(logs);
  if (hasJobs) sections.push(jobsSection(base));
  clear(root, sections);
}
