// waPC count-vowels: operation "count_vowels" answers
// {"count":N,"vowels":"aeiouAEIOU"} for its payload.
import { register, handleCall, Result } from "@wapc/as-guest";
import { countVowels, countVowelsJson } from "../common";

register("count_vowels", (payload: ArrayBuffer): Result<ArrayBuffer> => {
  const count = countVowels(Uint8Array.wrap(payload));
  return Result.ok<ArrayBuffer>(String.UTF8.encode(countVowelsJson(count)));
});

export function __guest_call(operation_size: usize, payload_size: usize): bool {
  return handleCall(operation_size, payload_size);
}
