// The greeter's page for end users: sends the name to the greeter's own route and shows the answer.
// The page runs sandboxed in an opaque origin, so the request is cross-origin: the addon's manifest
// allows GET from any origin (no credentials) in its CORS policy.
const form = document.getElementById('greet-form');
const greeting = document.getElementById('greeting');
const error = document.getElementById('error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  greeting.textContent = ''; error.textContent = '';
  const name = document.getElementById('name').value.trim();
  try {
    const response = await fetch('/api/v1/greet/' + encodeURIComponent(name), { credentials: 'omit' });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : 'the host answered ' + response.status);
    greeting.textContent = body.message + ' (greeted ' + body.count + (body.count === 1 ? ' time)' : ' times)');
  } catch (failure) {
    error.textContent = 'Could not greet: ' + failure.message;
  }
});
