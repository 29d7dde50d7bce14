// Extism's own JavaScript host (@extism/extism) running hookd's AS test
// plugins in-process (no worker thread, no WASI), 64-byte inputs.
// usage: node extism_bench.mjs <plugin dir>
import { readFile } from "node:fs/promises";
import createPlugin from "@extism/extism";
import { INPUT, measure, check } from "./lib.mjs";

const dir = process.argv[2];
const load = async (name) =>
  createPlugin({ wasm: [{ data: await readFile(`${dir}/${name}.wasm`) }] }, { useWasi: false, runInWorker: false });

const text = new TextDecoder();
const echo = await load("as_extism_echo");
check("extism echo", text.decode((await echo.call("echo", INPUT)).bytes()), text.decode(INPUT));
await measure("Extism JS host echo 64 B", () => echo.call("echo", INPUT));

const vowels = await load("as_extism_count_vowels");
check("extism count_vowels", JSON.parse((await vowels.call("count_vowels", INPUT)).text()).count, 15);
await measure("Extism JS host count-vowels 64 B", () => vowels.call("count_vowels", INPUT));

// The same kernel calls without a guest library: tests/plugins/extism_raw.c
// built with only echo and count-vowels (C against the raw extism:host/env
// imports; hookd's BM_ExtismEcho64 / BM_ExtismCountVowels64 run the same
// code).
const raw = await load("extism_raw_kernel");
check("extism raw echo", text.decode((await raw.call("echo", INPUT)).bytes()), text.decode(INPUT));
await measure("Extism JS host echo 64 B, C plugin", () => raw.call("echo", INPUT));
check("extism raw count_vowels", JSON.parse((await raw.call("count_vowels", INPUT)).text()).count, 15);
await measure("Extism JS host count-vowels, C plugin", () => raw.call("count_vowels", INPUT));
