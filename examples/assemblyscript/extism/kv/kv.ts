// hookd's KV through Extism host functions (extism:host/user, declared the
// way Extism PDKs declare host functions; docs/abi.md, "hookd's services"):
//   get     input: key        -> the value, or fails with "not found: <key>"
//   set     input: key=value  -> empty
//   incr    input: key=delta  -> the new value, in decimal
//   delete_key  input: key    -> "1" when the key existed, else "0"
// A refused host call (no grant) fails the call with the host's message.
import { Host, Memory } from "@extism/as-pdk";
import { length } from "@extism/as-pdk/lib/env";
import { fail, outputText } from "../common";

@external("extism:host/user", "kv_get")
declare function kv_get(key: u64): u64;
@external("extism:host/user", "kv_set")
declare function kv_set(key: u64, value: u64): void;
@external("extism:host/user", "kv_delete")
declare function kv_delete(key: u64): i64;
@external("extism:host/user", "kv_incr")
declare function kv_incr(key: u64, delta: i64): i64;

function bytes(s: string): Memory {
  return Memory.allocateString(s);
}

export function get(): i32 {
  const key = Host.inputString();
  const value = kv_get(bytes(key).offset);
  if (value == 0) return fail("not found: " + key);
  Host.outputMemory(new Memory(value, length(value)));
  return 0;
}

export function set(): i32 {
  const s = Host.inputString();
  const eq = s.indexOf("=");
  kv_set(bytes(s.substring(0, eq)).offset, bytes(s.substring(eq + 1)).offset);
  return 0;
}

export function incr(): i32 {
  const s = Host.inputString();
  const eq = s.indexOf("=");
  const now = kv_incr(bytes(s.substring(0, eq)).offset, I64.parseInt(s.substring(eq + 1)));
  outputText(now.toString());
  return 0;
}

export function delete_key(): i32 {
  outputText(kv_delete(bytes(Host.inputString()).offset).toString());
  return 0;
}
