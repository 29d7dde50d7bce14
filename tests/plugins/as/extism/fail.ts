// Extism failures: `fail` returns 1 with an error_set message naming its
// input; `throw` aborts (a trap, with the message left by the abort
// handler); `unreachable` traps; `hog` allocates until the memory cap stops
// it; `loop` never returns; `ok` answers "ok".
import { Host } from "@extism/as-pdk";
import { fail as failWith, outputText } from "../../../../examples/assemblyscript/extism/common";

export function fail(): i32 {
  return failWith("failed on purpose: " + Host.inputString());
}

export function throw_error(): i32 {
  throw new Error("thrown on purpose");
}

export function trap(): i32 {
  unreachable();
  return 0;
}

let hoard = new Array<ArrayBuffer>();
export function hog(): i32 {
  for (;;) hoard.push(new ArrayBuffer(1 << 20));
  return 0; // never reached
}

export function loop(): i32 {
  let n: u64 = 0;
  for (;;) n = n * 31 + 7;
  return 0; // never reached
}

export function ok(): i32 {
  outputText("ok");
  return 0;
}
