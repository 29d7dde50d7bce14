// Verifies a GitHub-style webhook: `X-Hub-Signature-256: sha256=<hex>` must
// be the HMAC-SHA256 of the raw request body under SECRET. Answers 204 with
// the body's SHA-256 in `x-body-sha256` when it is, 401 when it is not, 405
// for anything but POST.
const SECRET = 'hookd-webhook-secret';

addEventListener('fetch', (event) => event.respondWith(verify(event.request)));

async function verify(request) {
  if (request.method !== 'POST') {
    return new Response('POST only\n', { status: 405, headers: { allow: 'POST' } });
  }
  const body = new Uint8Array(await request.arrayBuffer());
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const expected = `sha256=${hex(await crypto.subtle.sign('HMAC', key, body))}`;
  const given = request.headers.get('x-hub-signature-256') ?? '';
  if (!sameText(given, expected)) {
    return new Response('bad signature\n', { status: 401, headers: { 'content-type': 'text/plain' } });
  }
  const digest = hex(await crypto.subtle.digest('SHA-256', body));
  return new Response(null, { status: 204, headers: { 'x-body-sha256': digest } });
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Compares without stopping at the first difference.
function sameText(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
