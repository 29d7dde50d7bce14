#!/usr/bin/env node
// Builds one wasi:http test component from source, offline, with the pinned
// toolchain beside this script (package.json + package-lock.json, installed by
// scripts/setup.sh with `npm ci`).
//
//   node build-component.mjs js       <source.js>  <out.wasm> [--wit <dir>] [--world <name>]
//   node build-component.mjs core-wat <source.wat> <out.wasm> [--wit <dir>] [--world <name>]
//   node build-component.mjs wat      <source.wat> <out.wasm>
//
// `js` runs componentize-js (StarlingMonkey + the WIT world) on a JavaScript
// module. `core-wat` assembles a hand-written core module that follows the
// component model's naming conventions (imports such as
// "wasi:http/types@0.2.10" "[constructor]fields", exports such as
// "wasi:http/incoming-handler@0.2.10#handle", "memory", "cabi_realloc"), embeds
// the WIT world and makes a component of it, as `wasm-tools component embed` +
// `component new` do: the world gives the types, so they need not be written
// out by hand. `wat` assembles a hand-written component. The WAT parser checks
// syntax only, not validity: a component for a fault test may be invalid on
// purpose. The output is written only once the build succeeded, so a failed
// build leaves no stale .wasm behind for the next make run.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const defaultWit = join(here, 'wit');
const defaultWorld = 'http-proxy';

function usage(message) {
  console.error(`build-component: ${message}`);
  console.error(
    'usage: build-component.mjs js|core-wat <source> <out.wasm> [--wit <dir>] [--world <name>]\n' +
      '       build-component.mjs wat <source.wat> <out.wasm>',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const [kind, source, out, ...rest] = argv;
  if (!builders[kind]) usage(`unknown kind '${kind ?? ''}'`);
  if (!source || !out) usage('a source and an output path are required');
  const opts = { kind, source: resolve(source), out: resolve(out), wit: defaultWit, world: defaultWorld };
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) usage(`${rest[i]} needs a value`);
    if (rest[i] === '--wit') opts.wit = resolve(value);
    else if (rest[i] === '--world') opts.world = value;
    else usage(`unknown option '${rest[i]}'`);
  }
  if (kind === 'wat' && (opts.wit !== defaultWit || opts.world !== defaultWorld)) {
    usage('--wit and --world apply to js and core-wat components only');
  }
  return opts;
}

// The toolchain is a build dependency: say how to get it instead of failing
// with a module resolution error.
async function loadToolchain() {
  const stamp = join(here, 'node_modules', '.package-lock.json');
  if (!existsSync(stamp)) {
    console.error(
      `build-component: the component toolchain is not installed (${join(here, 'node_modules')} is missing).\n` +
        'Run scripts/setup.sh: it runs `npm ci` in tests/components from its package-lock.json.',
    );
    process.exit(1);
  }
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { componentEmbed, componentNew, parse } = await import('@bytecodealliance/jco');
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  // componentize-js's WIT splicer and jco's wasm-tools are themselves
  // components running on preview2-shim: without a preopen they see no files
  // at all (not the WIT directory, not the source).
  _setPreopens({ '/': '/' });
  return { componentize, componentEmbed, componentNew, parse };
}

async function buildJs(tools, opts) {
  const { component } = await tools.componentize({
    sourcePath: opts.source,
    witPath: opts.wit,
    worldName: opts.world,
  });
  return component;
}

async function buildCoreWat(tools, opts) {
  const core = await tools.parse(await readFile(opts.source, 'utf8'));
  const embedded = await tools.componentEmbed({ binary: core, witPath: opts.wit, world: opts.world });
  return tools.componentNew(embedded);
}

async function buildWat(tools, opts) {
  return tools.parse(await readFile(opts.source, 'utf8'));
}

const builders = { js: buildJs, 'core-wat': buildCoreWat, wat: buildWat };

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(opts.source)) usage(`no such source: ${opts.source}`);
const tools = await loadToolchain();
const started = process.hrtime.bigint();
let bytes;
try {
  bytes = await builders[opts.kind](tools, opts);
} catch (err) {
  console.error(`build-component: ${opts.source}: ${err?.message ?? err}`);
  process.exit(1);
}
await mkdir(dirname(opts.out), { recursive: true });
const partial = `${opts.out}.partial`;
await writeFile(partial, bytes);
await rename(partial, opts.out);
const ms = Number((process.hrtime.bigint() - started) / 1000000n);
console.log(`build-component: ${opts.out} (${bytes.length} bytes, ${ms} ms)`);
