#!/usr/bin/env node
// The reference host for hookd's wasi:http test components: jco's own
// (preview2-shim's HTTP server, as `jco serve --isolate-requests instance`
// runs it), plus an in-memory wasi:keyvalue store and a fixed wasi:config
// store (config-store.mjs).
//
//   node serve.mjs <component.wasm> <work-dir> <port>
//
// It transpiles the component with jco into <work-dir> and answers each
// request on 127.0.0.1:<port> with a fresh instance of it. A fresh instance per
// request because componentize-js's fetch-event components (StarlingMonkey)
// cannot serve a second request on the same instance: the second one fails with
// "FetchEvent#respondWith can't be called twice on the same event" and never
// answers (StarlingMonkey issue 247). Prints "listening <port>" once it serves.
import './shim-fixes.mjs';
import { HTTPServer } from '@bytecodealliance/preview2-shim/http';
import { loadComponent, wasiHttpImports } from './jco-host.mjs';

const [componentPath, workDir, portText] = process.argv.slice(2);
const port = Number(portText);
if (!componentPath || !workDir || !Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: serve.mjs <component.wasm> <work-dir> <port>');
  process.exit(2);
}

const { instantiate, getCoreModule } = await loadComponent(componentPath, workDir);
const imports = await wasiHttpImports();

const server = new HTTPServer({
  handle(request, responseOutparam) {
    const instance = instantiate(getCoreModule, imports());
    return instance.incomingHandler.handle(request, responseOutparam);
  },
});
server.listen(port, '127.0.0.1');
console.log(`listening ${port}`);
