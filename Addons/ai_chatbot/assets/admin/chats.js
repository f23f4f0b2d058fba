// The chatbot's page for admins, shown by the console in a sandboxed frame: the live list of
// chat sessions and the message count, read from the chatbot's own routes every 3 seconds. The
// page's origin is opaque (the host's sandbox), so it cannot use the console's session; the
// chatbot's CORS policy allows these GETs from any origin, without credentials.
const stats = document.getElementById('stats');
const table = document.getElementById('chats');
const empty = document.getElementById('empty');
const error = document.getElementById('error');

async function read(path) {
  const response = await fetch('/api/v1/chat' + path, { credentials: 'omit' });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : 'the host answered ' + response.status);
  return body;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function refresh() {
  try {
    const [list, counts] = await Promise.all([read('/sessions'), read('/stats')]);
    const rows = list.sessions.slice().reverse().map((session) => {
      const tr = document.createElement('tr');
      tr.dataset.session = session.id;
      tr.append(cell('#' + session.id), cell(session.title), cell(session.createdAt));
      return tr;
    });
    table.tBodies[0].replaceChildren(...rows);
    table.hidden = rows.length === 0;
    empty.hidden = rows.length !== 0;
    stats.textContent = counts.sessions + (counts.sessions === 1 ? ' session, ' : ' sessions, ') + counts.messages + (counts.messages === 1 ? ' message' : ' messages');
    error.textContent = '';
  } catch (failure) {
    error.textContent = 'Could not read the chats: ' + failure.message;
  }
}

refresh();
setInterval(refresh, 3000);
