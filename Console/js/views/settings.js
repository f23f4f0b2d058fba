// The host's settings an admin changes from the console: provider slots (PUT
// /api/v1/providers/{slot}), an addon's route policies (PUT/DELETE /api/v1/addons/{id}/policies),
// the audit log of every addon's lifecycle (GET /api/v1/audit), and the development inbox.
import { api } from '../api.js';
import { h, clear, announce, describe, uid, confirmDialog } from '../dom.js';
import { routePolicies } from '../permissions.js';

/** Provider slots: what each uses, its health, and a field to choose another selection. */
export async function providersView(root) {
  const { slots } = await api('GET', '/api/v1/providers');
  clear(root, h('h1', {}, 'Providers'),
    h('p', { class: 'muted' }, 'A selection is one provider, or a mode and a list: failover:smtp,console · round_robin:a,b · all:a,b.'),
    h('div', { class: 'grid' }, slots.map((slot) => slotCard(slot, () => providersView(root)))));
}

function slotCard(slot, reload) {
  const fieldId = uid('slot'), listId = uid('available'), errorId = `${fieldId}-error`;
  const field = h('input', { id: fieldId, name: slot.slot, value: slot.provider, list: listId, required: true, autocomplete: 'off', 'aria-describedby': errorId });
  const error = h('p', { class: 'error', id: errorId, role: 'alert' });
  const save = h('button', { type: 'submit' }, `Save ${slot.slot}`);
  const form = h('form', { novalidate: true, 'data-slot': slot.slot },
    h('label', { for: fieldId }, `Provider (${slot.variable})`), field,
    h('datalist', { id: listId }, (slot.available || []).map((name) => h('option', { value: name }))),
    error, h('div', { class: 'actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = ''; field.removeAttribute('aria-invalid'); save.disabled = true;
    try {
      const report = await api('PUT', `/api/v1/providers/${encodeURIComponent(slot.slot)}`, { provider: field.value.trim() });
      announce(`${slot.slot} now uses ${report ? report.provider : field.value}`);
      await reload();
    } catch (failure) {
      field.setAttribute('aria-invalid', 'true');
      error.textContent = `Not changed: ${describe(failure)}`;
      field.focus();
    } finally { save.disabled = false; }
  });
  const members = (slot.providers || []).map((member) => h('li', {}, h('code', {}, member.name), ` — ${member.health}`,
    member.suppliedBy ? ` (from ${member.suppliedBy})` : '', member.problem ? `: ${member.problem}` : ''));
  return h('article', { class: 'card', 'data-slot': slot.slot, 'aria-label': slot.slot },
    h('h2', {}, slot.slot, ' ', h('span', { class: `badge ${slot.health === 'ok' ? 'active' : 'failed'}` }, slot.health)),
    h('p', { class: 'muted' }, `Mode ${slot.mode}, set by ${slot.source}.`), h('ul', {}, members), form);
}

/** An addon's route policies: the effective ones, and the admin's overrides as JSON. */
export async function policiesSection(section, id, mountPrefix) {
  let report;
  try { report = await api('GET', `/api/v1/addons/${encodeURIComponent(id)}/policies`); } catch (failure) {
    if (failure.status === 404 || failure.status === 405) { section.remove(); return; }
    throw failure;
  }
  const reload = () => policiesSection(section, id, mountPrefix);
  const fieldId = 'policy-overrides', errorId = 'policy-overrides-error';
  const initial = report.overrides || { routes: report.effective.routes, ...(report.effective.cors ? { cors: report.effective.cors } : {}) };
  const field = h('textarea', { id: fieldId, name: 'overrides', rows: 8, spellcheck: 'false', 'aria-describedby': errorId });
  field.value = JSON.stringify(initial, null, 2);
  const error = h('p', { class: 'error', id: errorId, role: 'alert' });
  const fail = (message) => { field.setAttribute('aria-invalid', 'true'); error.textContent = message; field.focus(); };
  const form = h('form', { novalidate: true, id: 'policies-form' },
    h('label', { for: fieldId }, 'Overrides (JSON: "routes" and "cors" replace the manifest\'s when present)'), field, error,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save policies'),
      report.overrides ? h('button', { type: 'button', class: 'secondary', id: 'policies-reset', onclick: async () => {
        try { await api('DELETE', `/api/v1/addons/${encodeURIComponent(id)}/policies`); announce(`${id}: the manifest's policies apply again`); await reload(); } catch (failure) { fail(`Not changed: ${describe(failure)}`); }
      } }, 'Use the manifest\'s policies') : null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = ''; field.removeAttribute('aria-invalid');
    let overrides;
    try { overrides = JSON.parse(field.value); } catch (failure) { fail(`Not saved: this is not JSON (${failure.message})`); return; }
    try {
      await api('PUT', `/api/v1/addons/${encodeURIComponent(id)}/policies`, overrides);
      announce(`${id}: policies saved`);
      await reload();
    } catch (failure) { fail(`Not saved: ${describe(failure)}`); }
  });
  const cors = report.effective.cors;
  clear(section, h('h2', {}, 'Route policies'),
    h('p', { class: 'muted' }, report.overrides ? 'The admin\'s overrides apply.' : 'The manifest\'s policies apply.'),
    routePolicies({ routes: report.effective.routes, mountPrefix }),
    h('p', {}, cors ? `Cross-origin: ${cors.origins.join(', ')} (${(cors.methods || []).join(', ') || 'its methods'}${cors.credentials ? ', with credentials' : ''})` : 'No cross-origin access.'),
    form);
}

/** The audit log: every lifecycle transition of every addon, newest first, with filters. */
export async function auditView(root, filters = {}) {
  const query = new URLSearchParams(Object.entries({ addon: filters.addon || '', event: filters.event || '', limit: '200' }).filter(([, v]) => v));
  const { entries } = await api('GET', `/api/v1/audit?${query}`);
  const addonId = uid('audit-addon'), eventId = uid('audit-event');
  const addon = h('input', { id: addonId, name: 'addon', value: filters.addon || '', autocomplete: 'off' });
  const eventField = h('input', { id: eventId, name: 'event', value: filters.event || '', autocomplete: 'off', placeholder: 'installed, uninstalled, …' });
  const form = h('form', { class: 'filters', id: 'audit-filters' },
    h('div', { class: 'field' }, h('label', { for: addonId }, 'Addon'), addon),
    h('div', { class: 'field' }, h('label', { for: eventId }, 'Event'), eventField),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter')));
  form.addEventListener('submit', (event) => { event.preventDefault(); auditView(root, { addon: addon.value.trim(), event: eventField.value.trim() }); });
  clear(root, h('h1', {}, 'Audit log'), h('section', { class: 'card' }, form),
    h('section', { class: 'card', 'aria-label': 'Entries' }, entries.length === 0 ? h('p', { class: 'muted', id: 'audit-empty' }, 'No entries.')
      : h('div', { class: 'scroll' }, h('table', { id: 'audit-log' },
        h('thead', {}, h('tr', {}, ['Time', 'Addon', 'Event', 'Version', 'Detail'].map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, entries.map((entry) => h('tr', { 'data-addon': entry.id, 'data-event': entry.event },
          [entry.time, entry.id, entry.event, entry.version || '', entry.detail || ''].map((value) => h('td', {}, value)))))))));
}

/** The development inbox: what the `console` email and SMS providers captured, newest first. */
export async function inboxView(root, filters = {}) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value));
  const { messages } = await api('GET', `/api/v1/dev/inbox${query.size ? `?${query}` : ''}`);
  const channelId = uid('inbox-channel'), toId = uid('inbox-to');
  const channel = h('select', { id: channelId, name: 'channel' }, [['', 'Email and SMS'], ['email', 'Email'], ['sms', 'SMS']]
    .map(([value, label]) => h('option', { value, selected: (filters.channel || '') === value }, label)));
  const to = h('input', { id: toId, name: 'to', value: filters.to || '', autocomplete: 'off' });
  const form = h('form', { class: 'filters', id: 'inbox-filters' },
    h('div', { class: 'field' }, h('label', { for: channelId }, 'Channel'), channel),
    h('div', { class: 'field' }, h('label', { for: toId }, 'Recipient contains'), to),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter'),
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        const choice = await confirmDialog('Empty the development inbox?', h('p', {}, 'Every captured message is deleted.'),
          [{ label: 'Empty the inbox', value: 'clear', class: 'danger' }, { label: 'Cancel', value: null, class: 'secondary' }]);
        if (choice !== 'clear') return;
        try { const { removed } = await api('DELETE', '/api/v1/dev/inbox'); announce(`${removed} messages deleted`); await inboxView(root, filters); } catch (failure) { announce(`Not emptied: ${describe(failure)}`); }
      } }, 'Empty the inbox')));
  form.addEventListener('submit', (event) => { event.preventDefault(); inboxView(root, { channel: channel.value, to: to.value.trim() }); });
  clear(root, h('h1', {}, 'Development inbox'), h('section', { class: 'card' }, form),
    messages.length === 0 ? h('section', { class: 'card' }, h('p', { class: 'muted', id: 'inbox-empty' }, 'No messages.'))
      : messages.slice().reverse().map((message) => h('article', { class: 'card', 'data-message': message.id, 'aria-label': message.subject || message.channel },
        h('h2', {}, message.subject || `${message.channel} message`),
        h('p', { class: 'muted' }, `${message.channel} to ${message.to.join(', ')}${message.from ? ` from ${message.from}` : ''}, ${new Date(message.sentAt * 1000).toISOString()}`),
        h('pre', {}, message.text || message.html || ''))));
}
