// Operations: lifecycle events, host information, cluster nodes, and the views of endpoints that
// a host may not have yet (providers, logs, metrics, jobs, trusted keys, development inbox): each
// is shown only when a GET on its endpoint answers, and stays hidden on 404.
import { api, answers } from '../api.js';
import { h, clear, announce, facts, describe, uid } from '../dom.js';

/** Optional top-level views: the endpoints tried in order; the first that answers is used. */
export const optionalViews = [
  { route: 'providers', label: 'Providers', paths: ['/api/v1/providers'] },
  { route: 'keys', label: 'Trusted keys', paths: ['/api/v1/trusted-keys', '/api/v1/keys'] },
  { route: 'inbox', label: 'Dev inbox', paths: ['/api/v1/dev/inbox', '/api/v1/inbox', '/api/v1/providers/inbox'] },
  { route: 'cluster', label: 'Cluster', paths: ['/api/v1/cluster'] },
  { route: 'audit', label: 'Audit log', paths: ['/api/v1/audit?limit=1'] },
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

/** The addon page's operations: lifecycle events always; logs, metrics and jobs when answered. */
export async function addonOperations(root, id) {
  const base = `/api/v1/addons/${encodeURIComponent(id)}`;
  const events = await api('GET', `${base}/events`);
  const sections = [h('section', { class: 'card', id: 'events', 'aria-label': 'Lifecycle events' }, h('h2', {}, 'Lifecycle events'),
    table(events.events.slice().reverse().map((event) => ({ time: event.time, event: event.event, version: event.version || '', detail: event.detail || '' }))))];
  const [hasMetrics, hasLogs, hasJobs] = await Promise.all([answers(`${base}/metrics`), answers(`${base}/logs`), answers(`${base}/jobs`)]);
  if (hasMetrics) sections.push(await metricsSection(base));
  if (hasLogs) sections.push(logsSection(base));
  if (hasJobs) sections.push(await jobsSection(base));
  clear(root, sections);
}

async function metricsSection(base) {
  const metrics = await api('GET', `${base}/metrics`);
  const charts = [];
  const walk = (value, name) => {
    if (Array.isArray(value) && value.length > 1 && value.every((item) => typeof item === 'number')) charts.push(sparkline(name, value));
    else if (Array.isArray(value) && value.length > 1 && value.every((item) => item && typeof item.value === 'number')) charts.push(sparkline(name, value.map((item) => item.value)));
    else if (value && typeof value === 'object' && !Array.isArray(value)) for (const [key, inner] of Object.entries(value)) walk(inner, name ? `${name}.${key}` : key);
  };
  walk(metrics, '');
  return h('section', { class: 'card', 'aria-label': 'Metrics' }, h('h2', {}, 'Metrics'), charts, render(metrics));
}

/** A line chart drawn as SVG, with its numbers in words for screen readers. */
function sparkline(name, values) {
  const max = Math.max(...values, 1), width = 300, height = 60;
  const points = values.map((value, index) => `${(index / (values.length - 1)) * width},${height - (value / max) * (height - 4) - 2}`).join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`); svg.setAttribute('class', 'chart'); svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${name}: ${values.join(', ')}`);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return h('figure', {}, svg, h('figcaption', { class: 'muted' }, `${name} (last ${values.at(-1)}, max ${max})`));
}

function logsSection(base) {
  const levelId = uid('level'), textId = uid('filter'), tailId = uid('tail');
  const level = h('select', { id: levelId }, ['', 'debug', 'info', 'warning', 'error'].map((value) => h('option', { value }, value || 'any level')));
  const text = h('input', { id: textId, type: 'search' });
  const tail = h('input', { id: tailId, type: 'checkbox' });
  const output = h('div', { 'aria-live': 'polite' });
  let timer = null;
  const load = async () => {
    const query = new URLSearchParams();
    if (level.value) query.set('level', level.value);
    if (text.value) query.set('q', text.value);
    try { clear(output, render(await api('GET', `${base}/logs?${query}`))); } catch (failure) { clear(output, h('p', { class: 'error' }, describe(failure))); }
    if (!output.isConnected) { clearInterval(timer); timer = null; }
  };
  tail.addEventListener('change', () => { clearInterval(timer); timer = tail.checked ? setInterval(load, 2000) : null; });
  const form = h('form', { class: 'actions', onsubmit: (event) => { event.preventDefault(); load(); } },
    h('label', { for: levelId }, 'Level'), level, h('label', { for: textId }, 'Contains'), text,
    tail, h('label', { for: tailId }, 'Live tail'), h('button', { type: 'submit' }, 'Show'));
  load();
  return h('section', { class: 'card', 'aria-label': 'Logs' }, h('h2', {}, 'Logs'), form, output);
}

async function jobsSection(base) {
  const section = h('section', { class: 'card', 'aria-label': 'Jobs' });
  const body = await api('GET', `${base}/jobs`);
  const jobs = Array.isArray(body) ? body : body.jobs || [];
  clear(section, h('h2', {}, 'Jobs'), table(jobs), h('div', { class: 'actions' }, jobs.filter((job) => job.name).map((job) =>
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      try { await api('POST', `${base}/jobs/${encodeURIComponent(job.name)}/run`); announce(`${job.name} started`); } catch (failure) { announce(describe(failure)); }
    } }, `Run ${job.name} now`))));
  return section;
}
