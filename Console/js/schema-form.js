// Configuration forms generated from a manifest's JSON Schema. The host validates; its violations
// (JSON pointers such as /greeting) are shown next to the field they name.
import { h, uid } from './dom.js';

const escapePointer = (key) => '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Builds the fields of `schema` into a fieldset. `values` are the current (redacted) values;
 * `sensitive` keys are write-only: never shown, sent only when retyped.
 * Returns { element, collect(mode), showErrors(violations), clearErrors() }.
 */
export function schemaForm(schema, { values = {}, sensitive = [], legend = 'Configuration' } = {}) {
  const properties = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const fields = new Map();
  const general = h('div', { class: 'error', role: 'alert' });
  const keys = Object.keys(properties);
  const element = h('fieldset', {}, h('legend', {}, legend),
    keys.length === 0 ? h('p', { class: 'muted' }, 'This addon has no configuration.') : null,
    keys.map((key) => {
      const field = buildField(key, properties[key] || {}, required.has(key), sensitive.includes(key), values[key]);
      fields.set(escapePointer(key), field);
      return field.element;
    }),
    general);

  return {
    element,
    /** The values to send: 'install' omits blanks; 'update' sends null for a cleared field. */
    collect(mode) {
      const result = {};
      for (const field of fields.values()) {
        const value = field.read();
        if (value === undefined) {
          if (mode === 'update' && !field.sensitive && field.hadValue) result[field.key] = null;
          continue;
        }
        result[field.key] = value;
      }
      return result;
    },
    clearErrors() {
      general.textContent = '';
      for (const field of fields.values()) field.setError('');
    },
    showErrors(violations) {
      this.clearErrors();
      const unplaced = [];
      for (const violation of violations) {
        const top = '/' + (violation.pointer || '').split('/')[1];
        const field = fields.get(violation.pointer) || fields.get(top);
        if (field) field.setError(violation.message); else unplaced.push(`${violation.pointer || 'configuration'}: ${violation.message}`);
      }
      general.textContent = unplaced.join(' · ');
      const first = [...fields.values()].find((field) => field.invalid());
      if (first) first.focus();
    },
  };
}

function buildField(key, property, isRequired, isSensitive, current) {
  const id = uid('config');
  const errorId = `${id}-error`, hintId = `${id}-hint`;
  const type = property.type || 'string';
  const hints = [];
  if (property.description) hints.push(property.description);
  if (property.minimum !== undefined) hints.push(`at least ${property.minimum}`);
  if (property.maximum !== undefined) hints.push(`at most ${property.maximum}`);
  if (property.minLength !== undefined) hints.push(`${property.minLength}+ characters`);
  if (property.maxLength !== undefined) hints.push(`up to ${property.maxLength} characters`);
  if (property.pattern) hints.push(`matches ${property.pattern}`);
  if (property.default !== undefined && !isSensitive) hints.push(`default ${JSON.stringify(property.default)}`);
  if (isSensitive) hints.push('write-only: never shown; left unchanged unless you type a new value');
  const described = `${hintId} ${errorId}`;
  const common = { id, name: key, 'aria-describedby': described, 'aria-required': isRequired ? 'true' : null };

  let input;
  const shown = isSensitive ? undefined : (current !== undefined ? current : undefined);
  if (Array.isArray(property.enum)) {
    input = h('select', common,
      isRequired ? null : h('option', { value: '' }, '(default)'),
      property.enum.map((option) => h('option', { value: JSON.stringify(option), selected: shown !== undefined && JSON.stringify(shown) === JSON.stringify(option) }, String(option))));
    if (shown === undefined && property.default !== undefined) input.value = JSON.stringify(property.default);
  } else if (type === 'boolean') {
    input = h('input', { ...common, type: 'checkbox', checked: (shown !== undefined ? shown : property.default) === true });
  } else if (type === 'object' || type === 'array') {
    input = h('textarea', { ...common, rows: 3, spellcheck: 'false' }, shown !== undefined ? JSON.stringify(shown) : '');
  } else {
    const numeric = type === 'integer' || type === 'number';
    input = h('input', {
      ...common, type: isSensitive ? 'password' : 'text', autocomplete: isSensitive ? 'new-password' : 'off',
      inputmode: type === 'integer' ? 'numeric' : numeric ? 'decimal' : null,
      placeholder: isSensitive ? '(unchanged)' : property.default !== undefined ? String(property.default) : null,
      value: shown !== undefined ? String(shown) : null,
    });
  }
  const error = h('p', { class: 'error', id: errorId });
  const element = h('div', { class: type === 'boolean' ? 'field check' : 'field' },
    type === 'boolean' ? [input, ' ', h('label', { for: id }, key)] : [h('label', { for: id }, key, isRequired ? ' (required)' : ''), input],
    h('p', { class: 'hint', id: hintId }, hints.join(' · ')), error);

  return {
    key, element, sensitive: isSensitive, hadValue: current !== undefined,
    focus: () => input.focus(),
    invalid: () => input.getAttribute('aria-invalid') === 'true',
    setError(message) {
      error.textContent = message;
      if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    },
    read() {
      if (input.type === 'checkbox') return input.checked;
      const text = input.value;
      if (text === '') return undefined;
      if (input.tagName === 'SELECT') return JSON.parse(text);
      if (input.tagName === 'TEXTAREA') { try { return JSON.parse(text); } catch { return text; } }
      if (type === 'integer' || type === 'number') {
        // An unparsable number goes as typed, so the host's message names what is wrong.
        const number = Number(text.trim());
        return text.trim() !== '' && Number.isFinite(number) ? number : text;
      }
      return text;
    },
  };
}
