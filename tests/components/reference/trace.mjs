#!/usr/bin/env node
// Which host functions a component calls, counted per interface function: while
// it is instantiated, then while it answers one request. A tool for finding
// out what a host must provide (not a test).
//
//   node trace.mjs <component.wasm> <work-dir> <port>
//
// Serves the component like serve.mjs, for one request (send it with curl),
// then prints the counts and exits.
import './shim-fixes.mjs';
import { HTTPServer } from '@bytecodealliance/preview2-shim/http';
import { loadComponent, wasiHttpImports } from './jco-host.mjs';

const [componentPath, workDir, portText] = process.argv.slice(2);
if (!componentPath || !workDir || !Number(portText)) {
  console.error('usage: trace.mjs <component.wasm> <work-dir> <port>');
  process.exit(2);
}
const { instantiate, getCoreModule } = await loadComponent(componentPath, workDir);

let phase = 'instantiate';
const counts = new Map();
const count = (what) => {
  const key = `${phase} ${what}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

// Wraps every function of an import object, and every method of the classes
// (resources) it exports, to count calls.
function counted(imports) {
  const out = {};
  for (const [iface, members] of Object.entries(imports)) {
    if (!members) continue;
    out[iface] = {};
    for (const [member, value] of Object.entries(members)) {
      if (typeof value !== 'function') {
        out[iface][member] = value;
      } else if (/^[A-Z]/.test(member)) {
        countMethods(value.prototype, `${iface} ${member}.`);
        countMethods(value, `${iface} ${member}::`);
        out[iface][member] = value;
      } else {
        out[iface][member] = (...args) => {
          count(`${iface} ${member}`);
          return value(...args);
        };
      }
    }
  }
  return out;
}

function countMethods(target, prefix) {
  for (const key of Object.getOwnPropertyNames(target)) {
    const fn = target[key];
    if (typeof fn !== 'function' || ['constructor', 'length', 'name', 'prototype'].includes(key)) continue;
    target[key] = function countedCall(...args) {
      count(`${prefix}${key}`);
      return fn.apply(this, args);
    };
  }
}

function print(title) {
  console.log(`--- ${title}`);
  for (const [key, n] of [...counts].sort()) console.log(`${n}\t${key}`);
  counts.clear();
}

const imports = counted((await wasiHttpImports())());
let started = performance.now();
const instance = instantiate(getCoreModule, imports);
console.log(`first instantiation (compiles): ${(performance.now() - started).toFixed(1)} ms`);
started = performance.now();
instantiate(getCoreModule, imports);
console.log(`second instantiation: ${(performance.now() - started).toFixed(1)} ms`);
print('calls while instantiating (two instances)');

phase = 'request';
const server = new HTTPServer({
  handle(request, responseOutparam) {
    instance.incomingHandler.handle(request, responseOutparam);
    // The response streams out after `handle` returns; let it finish.
    setTimeout(() => {
      print('calls while answering one request');
      process.exit(0);
    }, 1000);
  },
});
server.listen(Number(portText), '127.0.0.1');
console.log(`listening ${portText}`);
