// An addon's health and figures: the score with its reasons (GET /api/v1/addons/{id}), its metrics
// as small charts per window (GET …/metrics), its last error, and its error threshold
// (GET/PUT/DELETE …/error-threshold).
import { api, ApiError } from '../api.js';
import { h, clear, announce, facts, describe, uid } from '../dom.js';
import { barChart, milliseconds } from '../charts.js';

/** The score out of 100 as a meter, its status and the reasons points were taken off. */
export function healthSection(health) {
  if (!health || typeof health !== 'object') return null;
  const meterId = uid('health');
  return h('section', { class: 'card', id: 'health', 'aria-label': 'Health' },
    h('h2', {}, 'Health'),
    h('div', { class: 'health-line' },
      h('label', { for: meterId }, 'Score'),
      h('meter', { id: meterId, min: 0, max: 100, low: 50, high: 80, optimum: 100, value: health.score }, `${health.score} of 100`),
      h('span', { class: 'health-score' }, `${health.score}/100`), ' ',
      h('span', { class: `badge ${health.status}`, id: 'health-status' }, health.status)),
    health.reasons && health.reasons.length
      ? h('ul', { class: 'reasons', id: 'health-reasons' }, health.reasons.map((reason) =>
        h('li', { 'data-reason': reason.code }, h('strong', {}, `−${reason.penalty}`), ' ', reason.message, ' ', h('code', {}, reason.code))))
      : h('p', { class: 'muted', id: 'health-reasons' }, 'No points taken off.'),
    health.windowSeconds !== undefined ? h('p', { class: 'muted' }, `Over the last ${health.windowSeconds} s.`) : null);
}

const windows = [['1m', 'Last minute'], ['15m', 'Last 15 minutes'], ['since_start', 'Since the host started']];
const percent = (ratio) => `${(ratio * 100).toFixed(ratio && ratio < 0.1 ? 2 : 1)} %`;

/**
 * The metrics card: a window selector, charts of requests/errors and latency, and the last error.
 * It reads the endpoint again every 5 seconds while it is on screen, and on "Refresh".
 */
export function metricsSection(base, onRequestID) {
  const selectId = uid('window');
  const select = h('select', { id: selectId, name: 'window' }, windows.map(([value, label]) => h('option', { value }, label)));
  // Not a live region: it is redrawn every 5 seconds, which a screen reader would read out each time.
  const body = h('div', { 'aria-busy': 'true' });
  const section = h('section', { class: 'card', id: 'metrics', 'aria-label': 'Metrics' }, h('h2', {}, 'Metrics'),
    h('div', { class: 'actions' }, h('label', { for: selectId }, 'Window'), select,
      h('button', { type: 'button', class: 'secondary', onclick: () => load() }, 'Refresh metrics')),
    body);
  let report = null, timer = null;
  const draw = () => {
    if (!report) return;
    const figures = report.windows[select.value];
    const latency = figures.latency_seconds;
    clear(body,
      h('div', { class: 'charts' },
        barChart('Requests and errors', [
          { label: 'requests', value: figures.requests }, { label: 'errors', value: figures.errors, tone: 'bad' },
          { label: 'crashes', value: figures.crashes, tone: 'bad' }, { label: 'timeouts', value: figures.timeouts, tone: 'bad' }]),
        barChart('Latency', [{ label: 'p50', value: latency.p50 }, { label: 'p95', value: latency.p95 }, { label: 'p99', value: latency.p99 }], milliseconds)),
      facts([['Error rate', percent(figures.error_rate)], ['Mean execution', figures.mean_execution_seconds == null ? 'n/a' : milliseconds(figures.mean_execution_seconds)],
        ['In flight now', String(report.in_flight)], ['Covered', figures.seconds == null ? 'since the host started' : `${figures.seconds} s`]]),
      h('h3', {}, 'Last error'),
      report.last_error ? h('div', { id: 'last-error' }, facts([['Time', report.last_error.time], ['Message', report.last_error.message],
        ['Route', report.last_error.route ? h('code', {}, report.last_error.route) : ''],
        ['Request', report.last_error.request_id ? h('button', { type: 'button', class: 'link', onclick: () => onRequestID(report.last_error.request_id) },
          `Show the logs of ${report.last_error.request_id}`) : '']]))
        : h('p', { class: 'muted', id: 'last-error' }, 'No error logged.'));
    body.setAttribute('aria-busy', 'false');
  };
  const load = async () => {
    try { report = await api('GET', `${base}/metrics`); draw(); } catch (failure) { clear(body, h('p', { class: 'error', role: 'alert' }, describe(failure))); }
  };
  select.addEventListener('change', draw);
  load().then(() => {
    timer = setInterval(() => { if (section.isConnected) load(); else clearInterval(timer); }, 5000);
  });
  return section;
}

/** The error threshold that deactivates the addon: this addon's own or the host's, edited or reset. */
export function thresholdSection(base) {
  const section = h('section', { class: 'card', id: 'threshold', 'aria-label': 'Error threshold' });
  const load = async () => {
    try { draw(await api('GET', `${base}/error-threshold`)); } catch (failure) { clear(section, h('h2', {}, 'Error threshold'), h('p', { class: 'error', role: 'alert' }, describe(failure))); }
  };
  const draw = ({ threshold, source }) => {
    const field = (name, label, attributes, hint) => {
      const id = uid(name);
      const input = h('input', { id, name, ...attributes, 'aria-describedby': `${id}-hint` });
      return { input, element: h('div', { class: 'field' }, h('label', { for: id }, label), input, h('p', { class: 'hint', id: `${id}-hint` }, hint)) };
    };
    const enabledId = uid('enabled');
    const enabled = h('input', { type: 'checkbox', id: enabledId, name: 'enabled', checked: threshold.enabled });
    const ratio = field('ratio', 'Error share (%)', { type: 'number', min: 0, max: 100, step: 'any', required: true, value: +(threshold.ratio * 100).toFixed(4) }, 'Deactivate when more than this share of answers are 5xx.');
    const minimum = field('minimum_requests', 'Fewest requests', { type: 'number', min: 1, step: 1, required: true, value: threshold.minimum_requests }, 'The share counts only past this many requests in the window.');
    const windowField = field('window_seconds', 'Window (seconds)', { type: 'number', min: 10, max: 900, step: 1, required: true, value: threshold.window_seconds }, '10 to 900.');
    const error = h('p', { class: 'error', role: 'alert', id: 'threshold-error' });
    const form = h('form', { id: 'threshold-form', novalidate: true },
      h('div', { class: 'field check' }, enabled, ' ', h('label', { for: enabledId }, 'Deactivate the addon past the threshold')),
      h('div', { class: 'filters' }, ratio.element, minimum.element, windowField.element), error,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save threshold'),
        source === 'addon' ? h('button', { type: 'button', class: 'secondary', id: 'threshold-reset', onclick: () => change('DELETE') }, 'Use the host default') : null));
    const change = async (method, value) => {
      error.textContent = '';
      try {
        draw(await api(method, `${base}/error-threshold`, value));
        announce(method === 'DELETE' ? 'The host default threshold applies' : 'Threshold saved');
      } catch (failure) {
        error.textContent = `Not saved: ${describe(failure)}`;
        if (failure instanceof ApiError) for (const violation of failure.violations) {
          const input = form.querySelector(`[name="${CSS.escape(String(violation.pointer || '').replace(/^\//, ''))}"]`);
          if (input) input.setAttribute('aria-invalid', 'true');
        }
      }
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
      const invalid = [ratio.input, minimum.input, windowField.input].filter((input) => input.value === '' || !input.checkValidity());
      if (invalid.length) {
        for (const input of invalid) input.setAttribute('aria-invalid', 'true');
        error.textContent = `Not saved: ${invalid.map((input) => form.querySelector(`label[for="${input.id}"]`).textContent).join(', ')} out of range`;
        invalid[0].focus();
        return;
      }
      change('PUT', { enabled: enabled.checked, ratio: Number(ratio.input.value) / 100, minimum_requests: Number(minimum.input.value), window_seconds: Number(windowField.input.value) });
    });
    clear(section, h('h2', {}, 'Error threshold'),
      h('p', { class: 'muted', id: 'threshold-source' }, source === 'addon' ? 'Set for this addon.' : 'The host default (BERTH_ERROR_THRESHOLD).'), form);
  };
  load();
  return section;
}
