// What a package asks for, in words, shown before it is installed.
import { h } from './dom.js';

const meanings = {
  database: 'its own database (created at install, deleted at uninstall)',
  events: 'publish and receive host events',
  filesystem: 'a scratch folder of its own',
  email: 'send email through the host\'s email provider', sms: 'send SMS through the host\'s SMS provider',
  cache: 'the host\'s cache', storage: 'the host\'s object storage', rate_limit: 'the host\'s rate limiter',
  payments: 'the host\'s payment provider', analytics: 'send analytics events', monitoring: 'report errors to monitoring',
};

export function describePermission(permission) {
  if (permission.startsWith('network:')) return `outgoing HTTP to ${permission.slice(8)}`;
  if (permission.startsWith('service:')) return `call the service ${permission.slice(8)} of another addon`;
  return meanings[permission] || permission;
}

export function permissionList(permissions) {
  if (!permissions || permissions.length === 0) return h('p', { class: 'muted' }, 'Asks for no permissions.');
  return h('ul', { class: 'perm', 'aria-label': 'Permissions' },
    permissions.map((permission) => h('li', {}, h('code', {}, permission), ' — ', describePermission(permission))));
}

function describePolicy(route) {
  const parts = [route.auth === 'required' ? 'sign-in required' : route.auth === 'optional' ? 'sign-in optional' : 'public'];
  if (route.roles && route.roles.length) parts.push(`roles: any of ${route.roles.join(', ')}`);
  if (route.scopes && route.scopes.length) parts.push(`scopes: all of ${route.scopes.join(', ')}`);
  if (route.rateLimit) parts.push(`rate limit ${JSON.stringify(route.rateLimit)}`);
  if (route.bodyLimit) parts.push(`body ≤ ${route.bodyLimit} bytes`);
  if (route.timeoutSeconds) parts.push(`timeout ${route.timeoutSeconds} s`);
  return parts.join(' · ');
}

export function routePolicies(manifest) {
  const routes = manifest.routes || [];
  if (routes.length === 0) return h('p', { class: 'muted' }, `No route policies declared: every route under ${manifest.mountPrefix} is public.`);
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', { class: 'muted' }, `Route policies under ${manifest.mountPrefix}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Route'), h('th', { scope: 'col' }, 'Policy'))),
    h('tbody', {}, routes.map((route) => h('tr', {}, h('td', {}, h('code', {}, `${route.method} ${route.path}`)), h('td', {}, describePolicy(route)))))));
}

/** The pages a package adds and where they appear, shown before install. */
export function pagesItAdds(manifest) {
  const items = manifest.navigation || [];
  if (items.length === 0) return h('p', { class: 'muted' }, 'Adds no pages.');
  return h('ul', { class: 'perm', 'aria-label': 'Pages' }, items.map((item) => h('li', { 'data-page': item.path },
    h('code', {}, `/apps/${manifest.id}/${item.path}`), ' — ',
    item.area === 'console' ? `“${item.name}” in this console (sandboxed, no access to your session)` : `“${item.name}” for end users`)));
}
