// Answers with what it read from the request as JSON: the method, the path,
// the `name` query parameter and the `x-greeting` header. The response carries
// a custom header and two Set-Cookie headers, which must stay two headers.
addEventListener('fetch', (event) => event.respondWith(hello(event.request)));

function hello(request) {
  const url = new URL(request.url);
  const name = url.searchParams.get('name') ?? 'world';
  const greeting = request.headers.get('x-greeting') ?? 'hello';
  const body = {
    greeting: `${greeting}, ${name}`,
    method: request.method,
    path: url.pathname,
    name,
  };
  const headers = new Headers({
    'content-type': 'application/json',
    'x-component': 'hello',
  });
  headers.append('set-cookie', 'visited=1; Path=/');
  headers.append('set-cookie', `name=${encodeURIComponent(name)}; Path=/`);
  return new Response(JSON.stringify(body), { status: 200, headers });
}
