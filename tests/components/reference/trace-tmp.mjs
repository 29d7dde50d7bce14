import './shim-fixes.mjs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { transpile } from '@bytecodealliance/jco';
import { HTTPServer } from '@bytecodealliance/preview2-shim/http';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { join, dirname } from 'node:path';
const [wasm, dir, port] = process.argv.slice(2);
const { files } = await transpile(await readFile(wasm), { name: 'c', instantiation: 'sync', noTypescript: true, quiet: true });
for (const [f, b] of Object.entries(files)) { await mkdir(dirname(join(dir, f)), { recursive: true }); await writeFile(join(dir, f), b); }
const { instantiate } = await import(join(dir, 'c.js'));
let phase = 'instantiate';
const counts = new Map();
const note = (k) => { const key = `${phase} ${k}`; counts.set(key, (counts.get(key) ?? 0) + 1); };
const imports = new WASIShim().getImportObject();
const wrapped = {};
const seenProto = new Set();
for (const [iface, ns] of Object.entries(imports)) {
  if (!ns) continue;
  wrapped[iface] = {};
  for (const [name, val] of Object.entries(ns)) {
    if (typeof val === 'function' && /^[A-Z]/.test(name)) {
      const proto = val.prototype;
      if (!seenProto.has(proto)) {
        seenProto.add(proto);
        for (const m of Object.getOwnPropertyNames(proto)) {
          if (m === 'constructor' || typeof proto[m] !== 'function') continue;
          const orig = proto[m];
          proto[m] = function (...a) { note(`${iface} ${name}.${m}`); return orig.apply(this, a); };
        }
        for (const m of Object.getOwnPropertyNames(val)) {
          if (typeof val[m] !== 'function' || ['length','name','prototype'].includes(m)) continue;
          const orig = val[m];
          val[m] = function (...a) { note(`${iface} ${name}::${m}`); return orig.apply(this, a); };
        }
      }
      wrapped[iface][name] = val;
    } else if (typeof val === 'function') {
      wrapped[iface][name] = (...a) => { note(`${iface} ${name}`); return val(...a); };
    } else wrapped[iface][name] = val;
  }
}
const mods = new Map();
const gcm = (f) => { if (!mods.has(f)) mods.set(f, new WebAssembly.Module(files[f])); return mods.get(f); };
let t = performance.now();
let inst = instantiate(gcm, wrapped);
console.log('first instantiate ms (compiles)', (performance.now() - t).toFixed(1));
t = performance.now();
for (let i = 0; i < 5; i++) instantiate(gcm, wrapped);
console.log('next instantiate ms (avg of 5)', ((performance.now() - t) / 5).toFixed(1));
const dump = () => { for (const [k, v] of [...counts].sort()) console.log(v, k); counts.clear(); };
console.log('--- calls during instantiate (6 instances)'); dump();
phase = 'request';
const server = new HTTPServer({ handle(req, out) { inst.incomingHandler.handle(req, out); setTimeout(() => { console.log('--- calls during one request'); dump(); process.exit(0); }, 500); } });
server.listen(Number(port), '127.0.0.1');
console.log('listening');
