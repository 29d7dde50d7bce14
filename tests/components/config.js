// Reads its configuration from wasi:config/store: `GET /config/<key>` answers
// the key's value (404 when unset), `GET /config` every pair, sorted by key.
import { get, getAll } from 'wasi:config/store@0.2.0-draft';

addEventListener('fetch', (event) => event.respondWith(lookup(event.request)));

function lookup(request) {
  const { pathname } = new URL(request.url);
  if (pathname === '/config') {
    const pairs = getAll().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return json(200, Object.fromEntries(pairs));
  }
  const match = /^\/config\/([A-Za-z0-9_.-]{1,64})$/.exec(pathname);
  if (!match) {
    return json(404, { error: 'not found' });
  }
  const value = get(match[1]);
  return value === undefined ? json(404, { error: `no ${match[1]}` }) : json(200, { key: match[1], value });
}

function json(status, value) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
