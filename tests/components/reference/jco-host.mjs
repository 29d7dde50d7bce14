// What the reference hosts (serve.mjs, call.mjs, trace.mjs) share: a component
// transpiled with jco and loaded, and the imports of the wasi:http components.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import * as configStore from './config-store.mjs';
import * as keyvalueStore from './keyvalue-store.mjs';

// Transpiles <componentPath> into <workDir> (jco's sync instantiation) and
// imports the result. Returns its `instantiate(getCoreModule, imports)` and a
// `getCoreModule` that compiles each core module once.
export async function loadComponent(componentPath, workDir) {
  const name = basename(componentPath, '.wasm');
  const { files } = await transpile(await readFile(componentPath), {
    name,
    instantiation: 'sync',
    noTypescript: true,
    quiet: true,
  });
  for (const [file, bytes] of Object.entries(files)) {
    const path = join(resolve(workDir), file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  const { instantiate } = await import(pathToFileURL(join(resolve(workDir), `${name}.js`)).href);
  const modules = new Map();
  const getCoreModule = (file) => {
    if (!modules.has(file)) modules.set(file, new WebAssembly.Module(files[file]));
    return modules.get(file);
  };
  return { instantiate, getCoreModule };
}

// A function making the wasi:http components' imports: preview2-shim's WASI
// (a fresh WASIShim each time), an in-memory wasi:keyvalue store and a fixed
// wasi:config store (both shared). The shim is loaded here, on first use, so
// that a host of components without imports (call.mjs) never loads it.
export async function wasiHttpImports() {
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  return () => ({
    ...new WASIShim().getImportObject(),
    'wasi:keyvalue/store': keyvalueStore,
    'wasi:config/store': configStore,
  });
}
