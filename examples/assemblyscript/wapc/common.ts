// Shared by hookd's waPC example plugins (built with the waPC AssemblyScript
// guest, @wapc/as-guest) and the tests' own (tests/plugins/as/wapc). Every
// entry file exports __guest_call and builds with
// `--use abort=<this file's path from where asc runs>/abort`.
import { handleAbort } from "@wapc/as-guest";

// An AssemblyScript abort (a failed assertion, a throw, an allocation
// failure) reports its message through __guest_error; the runtime then
// traps, so the host sees both the trap and the guest's message.
export function abort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  handleAbort(message, fileName, lineNumber, columnNumber);
}

// Counts ASCII vowels, the body of Extism's classic count-vowels example.
export function countVowels(bytes: Uint8Array): i32 {
  let count = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] | 0x20; // ASCII lower case
    if (c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6f || c == 0x75) count++;
  }
  return count;
}

export function countVowelsJson(count: i32): string {
  return '{"count":' + count.toString() + ',"vowels":"aeiouAEIOU"}';
}
