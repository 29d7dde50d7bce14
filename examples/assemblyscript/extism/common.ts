// Shared by hookd's Extism example plugins (built with the Extism
// AssemblyScript PDK, @extism/as-pdk, unchanged) and the tests' own
// (tests/plugins/as/extism). Every entry file imports this one and builds
// with `--use abort=<this file's path from where asc runs>/abort`.
import { Host, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";

// An AssemblyScript abort (failed assertion, throw, allocation failure)
// leaves its message with error_set; the runtime then traps.
export function abort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  const text = (message != null ? message : "abort") +
    (fileName != null ? " at " + fileName + ":" + lineNumber.toString() : "");
  error_set(Memory.allocateString(text).offset);
}

// Fails the current call with `message`: the caller returns 1 after it.
export function fail(message: string): i32 {
  error_set(Memory.allocateString(message).offset);
  return 1;
}

// Output bytes (Host.outputString counts UTF-16 units, not UTF-8 bytes).
export function outputText(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}
