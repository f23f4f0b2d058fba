// Scheduled jobs (GET /api/v1/addons/{id}/jobs, POST …/jobs/{name}/run) and the durable events
// that ran out of attempts (GET /api/v1/events/dead).
import { api } from '../api.js';
import { h, clear, announce, facts, describe, uid } from '../dom.js';

const duration = (run) => run.durationMilliseconds === null || run.durationMilliseconds === undefined ? '' : `${run.durationMilliseconds} ms`;

function runsTable(job) {
  if (!job.lastRuns.length) return h('p', { class: 'muted runs' }, 'No run yet.');
  return h('div', { class: 'scroll' }, h('table', { class: 'runs', 'aria-label': `Last runs of ${job.name}` },
    h('thead', {}, h('tr', {}, ['Run', 'Trigger', 'Started', 'Duration', 'Result', 'Error', 'Worker'].map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, job.lastRuns.map((run) => h('tr', { 'data-run': run.id, 'data-result': run.result },
      h('td', {}, String(run.id)), h('td', {}, run.trigger + (run.missedRuns ? ` (${run.missedRuns} missed)` : '')),
      h('td', {}, h('time', { datetime: run.startedAt }, run.startedAt)), h('td', {}, duration(run)),
      h('td', {}, h('span', { class: `badge ${run.result}` }, run.result)), h('td', {}, run.error || ''), h('td', {}, run.worker))))));
}

/** The jobs card: each job's schedule, next run, failure streak and last runs, with "run now". */
export function jobsSection(base) {
  const section = h('section', { class: 'card', id: 'jobs', 'aria-label': 'Jobs' });
  const results = new Map();
  let polling = null;
  const load = async () => {
    let jobs;
    try { ({ jobs } = await api('GET', `${base}/jobs`)); } catch (failure) {
      clear(section, h('h2', {}, 'Jobs'), h('p', { class: 'error', role: 'alert' }, describe(failure))); return [];
    }
    clear(section, h('h2', {}, 'Jobs'), jobs.length === 0 ? h('p', { class: 'muted' }, 'This addon declares no job.') : null,
      jobs.map((job) => {
        const resultId = uid('run-result');
        return h('article', { class: 'job', 'data-job': job.name, 'aria-label': `Job ${job.name}` },
          h('h3', {}, job.name),
          facts([['Schedule', h('code', {}, job.schedule)], ['Time zone', job.timeZone], ['Next run', job.nextRun || 'never again'],
            ['Timeout', `${job.timeoutSeconds} s`], ['Overlap', job.allowOverlap ? 'allowed' : 'not allowed'],
            ['Failures in a row', String(job.consecutiveFailures)]]),
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'secondary', 'aria-describedby': resultId, onclick: (event) => runNow(job.name, event.currentTarget) }, `Run ${job.name} now`),
            h('span', { id: resultId, class: 'run-result', role: 'status' }, results.get(job.name) || '')),
          runsTable(job));
      }));
    return jobs;
  };
  const runNow = async (name, button) => {
    button.disabled = true;
    try {
      const { run } = await api('POST', `${base}/jobs/${encodeURIComponent(name)}/run`);
      results.set(name, run ? `Run ${run.id} started (${run.result}).` : 'Started.');
      announce(`${name}: run ${run ? run.id : ''} started`);
      await follow(name, run && run.id);
    } catch (failure) {
      results.set(name, `Not run: ${describe(failure)}`);
      announce(`${name} not run: ${describe(failure)}`);
      await load();
    }
  };
  // A run answers 202 while it goes on: read the list again until it has finished (at most 30 s).
  const follow = async (name, id) => {
    clearTimeout(polling);
    const deadline = Date.now() + 30000;
    const step = async () => {
      const jobs = await load();
      const run = (jobs.find((job) => job.name === name)?.lastRuns || []).find((item) => item.id === id);
      if (run && run.result !== 'running') {
        results.set(name, `Run ${run.id} ${run.result}${run.error ? `: ${run.error}` : ''}${run.durationMilliseconds != null ? ` in ${run.durationMilliseconds} ms` : ''}.`);
        await load();
      } else if (Date.now() < deadline && section.isConnected) polling = setTimeout(step, 500);
    };
    await step();
  };
  load();
  return section;
}

/** The dead letters: durable deliveries that ran out of attempts, newest first. */
export async function deadLettersView(root) {
  const limitId = uid('limit');
  const limit = h('input', { id: limitId, type: 'number', min: 1, max: 1000, step: 1, value: 100, name: 'limit' });
  const output = h('div', { id: 'dead-letters' });
  const error = h('p', { class: 'error', role: 'alert' });
  const load = async () => {
    error.textContent = '';
    try {
      const { dead } = await api('GET', `/api/v1/events/dead?limit=${encodeURIComponent(limit.value || '100')}`);
      clear(output, dead.length === 0 ? h('p', { class: 'muted' }, 'No event ran out of attempts.')
        : h('div', { class: 'scroll' }, h('table', {},
          h('thead', {}, h('tr', {}, ['Delivery', 'Event', 'Published', 'Source', 'Subscriber', 'Pattern', 'Attempts', 'Last error', 'Payload'].map((name) => h('th', { scope: 'col' }, name)))),
          h('tbody', {}, dead.map((letter) => h('tr', { 'data-delivery': letter.delivery },
            h('td', {}, String(letter.delivery)), h('td', {}, letter.event.name, h('br'), h('code', {}, letter.event.id)),
            h('td', {}, letter.event.publishedAt), h('td', {}, letter.event.source), h('td', {}, letter.addon), h('td', {}, h('code', {}, letter.pattern)),
            h('td', {}, String(letter.attempts)), h('td', {}, letter.lastError || ''), h('td', {}, h('code', {}, JSON.stringify(letter.event.payload)))))))));
    } catch (failure) { error.textContent = describe(failure); }
  };
  clear(root, h('h1', {}, 'Dead letters'),
    h('p', { class: 'muted' }, 'Durable event deliveries that failed every attempt, newest first.'),
    h('section', { class: 'card' },
      h('form', { class: 'actions', onsubmit: (event) => { event.preventDefault(); load(); } },
        h('label', { for: limitId }, 'Show at most'), limit, h('button', { type: 'submit' }, 'Show')),
      error, output));
  await load();
}
