// An addon's log: filters (level, since, request id, limit) over GET …/logs, and a live tail over
// the same endpoint as server-sent events. Log text goes into text nodes only, never into HTML.
import { api } from '../api.js';
import { h, clear, describe, uid } from '../dom.js';

const levels = ['', 'debug', 'info', 'warning', 'error'];
const tailLimit = 500;

function row(line) {
  const metadata = line.metadata && Object.keys(line.metadata).length ? JSON.stringify(line.metadata) : '';
  return h('tr', { 'data-level': line.level, 'data-timestamp': line.timestamp },
    h('td', {}, h('time', { datetime: line.time }, line.time)), h('td', {}, h('span', { class: `level ${line.level}` }, line.level)),
    h('td', { class: 'message' }, line.message, metadata ? h('span', { class: 'muted' }, ` ${metadata}`) : null),
    h('td', {}, line.request_id || ''), h('td', {}, line.route || ''), h('td', {}, String(line.worker ?? '')));
}

function linesTable(id, lines) {
  return h('div', { class: 'scroll' }, h('table', { id, class: 'log' },
    h('thead', {}, h('tr', {}, ['Time', 'Level', 'Message', 'Request', 'Route', 'Process'].map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, lines.map(row))));
}

/** The logs card; `show(requestID)` on the returned element filters by one request. */
export function logsSection(base) {
  const field = (label, control) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  const level = h('select', { id: uid('level'), name: 'level' }, levels.map((value) => h('option', { value }, value || 'any level')));
  const since = h('input', { id: uid('since'), name: 'since', type: 'datetime-local', step: 1 });
  const requestID = h('input', { id: uid('request'), name: 'request_id', type: 'search', maxlength: 128, autocomplete: 'off' });
  const limit = h('input', { id: uid('limit'), name: 'limit', type: 'number', min: 1, max: 1000, step: 1, value: 100 });
  const tail = h('input', { id: uid('tail'), type: 'checkbox', name: 'tail' });
  const error = h('p', { class: 'error', role: 'alert', id: 'logs-error' });
  const output = h('div', { id: 'logs-output' });
  const tailStatus = h('p', { class: 'muted', id: 'tail-status', role: 'status' });
  const tailBody = h('tbody');
  const tailBox = h('div', { id: 'tail', hidden: true }, h('h3', {}, 'Live tail'), tailStatus,
    h('div', { class: 'scroll' }, h('table', { class: 'log', id: 'tail-lines' },
      h('thead', {}, h('tr', {}, ['Time', 'Level', 'Message', 'Request', 'Route', 'Process'].map((name) => h('th', { scope: 'col' }, name)))), tailBody)));

  const query = () => {
    const parameters = new URLSearchParams();
    if (level.value) parameters.set('level', level.value);
    if (since.value) parameters.set('since', new Date(since.value).toISOString());
    if (requestID.value.trim()) parameters.set('request_id', requestID.value.trim());
    if (limit.value) parameters.set('limit', limit.value);
    return parameters;
  };
  const load = async () => {
    error.textContent = '';
    try {
      const { lines } = await api('GET', `${base}/logs?${query()}`);
      clear(output, lines.length ? linesTable('log-lines', lines) : h('p', { class: 'muted', id: 'log-lines' }, 'No line matches.'));
    } catch (failure) { error.textContent = describe(failure); }
  };

  // The host answers each tail request within a bounded wait and tells the EventSource to come
  // back at once with the last id it saw, so the browser's own reconnection follows the log. An
  // answer that is not an event stream (signed out, a refused filter) closes the source: it is
  // opened again after a pause, from the last line shown.
  let source = null, lastID = null, retry = null;
  const stopTail = () => { clearTimeout(retry); retry = null; if (source) source.close(); source = null; };
  const startTail = () => {
    stopTail();
    if (!tail.checked || !section.isConnected) return;
    const parameters = query();
    parameters.delete('limit');
    if (lastID) parameters.set('since', lastID); // exclusive: the host sends lines after it
    source = new EventSource(`${base}/logs?${parameters}`, { withCredentials: true });
    tailStatus.textContent = 'Connecting…';
    source.addEventListener('open', () => {
      tailStatus.textContent = 'Following new lines.';
      tailStatus.dataset.connections = String(Number(tailStatus.dataset.connections || 0) + 1);
    });
    source.addEventListener('log', (event) => {
      if (!section.isConnected) { stopTail(); return; }
      lastID = event.lastEventId || lastID;
      let line;
      try { line = JSON.parse(event.data); } catch { return; }
      tailBody.append(row(line));
      while (tailBody.rows.length > tailLimit) tailBody.rows[0].remove();
    });
    source.addEventListener('error', () => {
      if (!section.isConnected) { stopTail(); return; }
      if (source && source.readyState === EventSource.CLOSED) {
        tailStatus.textContent = 'The host refused the tail; trying again in 3 s.';
        retry = setTimeout(startTail, 3000);
      }
      // Otherwise the host ended one bounded wait and the EventSource is already coming back.
    });
  };

  tail.addEventListener('change', () => {
    tailBox.hidden = !tail.checked;
    if (tail.checked) { lastID = null; tailBody.replaceChildren(); startTail(); } else { stopTail(); tailStatus.textContent = ''; }
  });
  const form = h('form', { id: 'logs-form', onsubmit: (event) => { event.preventDefault(); load(); if (tail.checked) { lastID = null; tailBody.replaceChildren(); startTail(); } } },
    h('div', { class: 'filters' }, field('Level', level), field('Since', since), field('Request id', requestID), field('Limit', limit)),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show lines'),
      h('span', { class: 'field check' }, tail, ' ', h('label', { for: tail.id }, 'Live tail'))), error);
  const section = h('section', { class: 'card', id: 'logs', 'aria-label': 'Logs' }, h('h2', {}, 'Logs'), form, output, tailBox);
  section.show = (id) => { requestID.value = id; level.value = ''; since.value = ''; load(); section.scrollIntoView(); requestID.focus(); };
  load();
  return section;
}
