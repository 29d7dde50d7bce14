#!/usr/bin/env node
// The reference host for hookd's hand-written (WAT) test components: calls
// their exported functions through jco's canonical ABI implementation.
//
//   node call.mjs <component.wasm> <work-dir> < calls.json
//
// stdin: a JSON array of {"function": name, "args": [...]}, where a string
// argument may be {"repeat": text, "times": n}. Each call gets a fresh
// instance (as a host must after a trap). stdout: a JSON array with
// {"ok": result} or {"trap": message} per call.
import { text } from 'node:stream/consumers';
import { loadComponent } from './jco-host.mjs';

const [componentPath, workDir] = process.argv.slice(2);
if (!componentPath || !workDir) {
  console.error('usage: call.mjs <component.wasm> <work-dir> < calls.json');
  process.exit(2);
}
const calls = JSON.parse(await text(process.stdin));

const { instantiate, getCoreModule } = await loadComponent(componentPath, workDir);

const argument = (arg) => (typeof arg === 'object' && arg !== null ? arg.repeat.repeat(arg.times) : arg);
const results = calls.map((call) => {
  const instance = instantiate(getCoreModule, {});
  try {
    return { ok: instance[call.function](...call.args.map(argument)) };
  } catch (err) {
    return { trap: String(err?.message ?? err) };
  }
});
console.log(JSON.stringify(results));
