// A counter per path in a wasi:keyvalue bucket: `POST /count/<key>` adds one
// and answers the new value, `GET /count/<key>` answers the current one (0
// when unset). Values are stored as decimal text.
import { open } from 'wasi:keyvalue/store@0.2.0-draft';

addEventListener('fetch', (event) => event.respondWith(count(event.request)));

function count(request) {
  const match = /^\/count\/([A-Za-z0-9_-]{1,64})$/.exec(new URL(request.url).pathname);
  if (!match) {
    return json(404, { error: 'not found' });
  }
  const key = match[1];
  const bucket = open('counters');
  const stored = bucket.get(key);
  let value = stored === undefined ? 0 : Number(new TextDecoder().decode(stored));
  if (request.method === 'POST') {
    value += 1;
    bucket.set(key, new TextEncoder().encode(String(value)));
  } else if (request.method !== 'GET') {
    return json(405, { error: 'GET or POST' });
  }
  return json(200, { key, value });
}

function json(status, value) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
