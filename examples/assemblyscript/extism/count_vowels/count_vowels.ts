// Extism's classic count-vowels example: `count_vowels` answers
// {"count":N,"vowels":"aeiouAEIOU"} for its input.
import { Host } from "@extism/as-pdk";
import { outputText } from "../common";

export function count_vowels(): i32 {
  const input = Host.input();
  let count = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] | 0x20; // ASCII lower case
    if (c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6f || c == 0x75) count++;
  }
  outputText('{"count":' + count.toString() + ',"vowels":"aeiouAEIOU"}');
  return 0;
}
