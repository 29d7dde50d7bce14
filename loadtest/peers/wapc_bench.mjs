// waPC's JavaScript host (@wapc/host) running hookd's AS test plugins,
// 64-byte inputs.
// usage: node wapc_bench.mjs <plugin dir>
import { readFile } from "node:fs/promises";
import wapc from "@wapc/host";
import { INPUT, measure, check } from "./lib.mjs";

const dir = process.argv[2];
const load = async (name) => wapc.instantiate(await readFile(`${dir}/${name}.wasm`));

const text = new TextDecoder();
const echo = await load("as_wapc_echo");
check("waPC echo", text.decode(await echo.invoke("echo", INPUT)), text.decode(INPUT));
await measure("waPC JS host echo 64 B", () => echo.invoke("echo", INPUT));

const vowels = await load("as_wapc_count_vowels");
check("waPC count_vowels", JSON.parse(text.decode(await vowels.invoke("count_vowels", INPUT))).count, 15);
await measure("waPC JS host count-vowels 64 B", () => vowels.invoke("count_vowels", INPUT));
