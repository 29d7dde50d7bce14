// A link shortener's front door: `/go/<slug>` answers 302 with a Location
// built from the slug (letters, digits and dashes), anything else 404.
const TARGET = 'https://docs.example.com/articles/';

addEventListener('fetch', (event) => event.respondWith(route(event.request)));

function route(request) {
  const { pathname } = new URL(request.url);
  const match = /^\/go\/([A-Za-z0-9-]{1,64})$/.exec(pathname);
  if (!match) {
    return new Response(`no link at ${pathname}\n`, {
      status: 404,
      headers: { 'content-type': 'text/plain' },
    });
  }
  return new Response(null, {
    status: 302,
    headers: { location: `${TARGET}${match[1]}`, 'cache-control': 'no-store' },
  });
}
