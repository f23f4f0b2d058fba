// Calls to the admin API with the console session: the cookie goes by itself (same origin), the
// CSRF token (kept in this module's memory only) goes in X-CSRF-Token on every state change.
let csrf = null;

/** An error answered by the host: its status, code, message and any JSON-pointer violations. */
export class ApiError extends Error {
  constructor(status, code, message, violations) {
    super(message);
    this.status = status; this.code = code; this.violations = violations || [];
  }
}

async function parse(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) {
    const error = body && body.error ? body.error : {};
    throw new ApiError(response.status, error.code || `http_${response.status}`,
      error.message || `the host answered ${response.status} ${response.statusText}`, error.violations);
  }
  return body;
}

/** Sends a request to the host; resolves to the parsed JSON body, rejects with an ApiError. */
export async function api(method, path, body) {
  return send(method, path, body === undefined ? undefined : JSON.stringify(body), 'application/json');
}

/** Sends `text` as the body with its own content type (e.g. a PEM key); resolves like `api`. */
export async function send(method, path, text, type) {
  const headers = {};
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  if (text !== undefined) headers['Content-Type'] = type;
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', body: text });
  } catch (error) {
    throw new ApiError(0, 'unreachable', `the host did not answer: ${error.message}`);
  }
  if (response.status === 401 && path !== '/admin/session') window.dispatchEvent(new CustomEvent('berth:signed-out'));
  return parse(response);
}

/** Whether a GET on `path` answers (anything but 404/405): used to show views of optional endpoints. */
export async function answers(path) {
  try { await api('GET', path); return true; } catch (error) { return error.status !== 404 && error.status !== 405 && error.status !== 0; }
}

/** The current session, or null when signed out. */
export async function currentSession() {
  try { const session = await api('GET', '/admin/session'); csrf = session.csrf; return session; } catch { csrf = null; return null; }
}

/** Exchanges the admin token for a session cookie; the token is not kept anywhere. */
export async function signIn(token) {
  const session = await api('POST', '/admin/session', { token });
  csrf = session.csrf;
  return session;
}

export async function signOut() {
  try { await api('DELETE', '/admin/session'); } finally { csrf = null; }
}

/** Uploads a package archive, reporting progress as a fraction; resolves to the validated package. */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/marketplace/packages');
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrf) request.setRequestHeader('X-CSRF-Token', csrf);
    request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    request.onerror = () => reject(new ApiError(0, 'unreachable', 'the upload was cut off before the host answered'));
    request.onload = () => {
      parse(new Response(request.responseText, { status: request.status, statusText: request.statusText })).then(resolve, reject);
    };
    request.send(file);
  });
}
