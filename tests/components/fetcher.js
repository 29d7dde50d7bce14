// Fetches the URL given in the `url` query parameter (or the `x-upstream`
// header) with an outbound fetch (wasi:http/outgoing-handler) and answers with
// the upstream's status and body length as JSON; 400 without a URL, 502 when
// the fetch fails.
addEventListener('fetch', (event) => event.respondWith(relay(event.request)));

async function relay(request) {
  const target = new URL(request.url).searchParams.get('url') ?? request.headers.get('x-upstream');
  if (!target) {
    return json(400, { error: 'missing url' });
  }
  let upstream;
  try {
    upstream = await fetch(target, { headers: { 'x-fetched-by': 'fetcher' } });
  } catch (err) {
    return json(502, { error: `fetch failed: ${err?.message ?? err}` });
  }
  const body = new Uint8Array(await upstream.arrayBuffer());
  return json(200, {
    status: upstream.status,
    length: body.length,
    contentType: upstream.headers.get('content-type'),
  });
}

function json(status, value) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
