// Host.outputString as @extism/as-pdk 1.0.0 has it: `echo_string` returns its
// input (decoded as UTF-8, encoded again) through Host.outputString, which
// allocates String.length bytes: fewer than the UTF-8 of non-ASCII text.
import { Host } from "@extism/as-pdk";
import "../../../../examples/assemblyscript/extism/common"; // abort handler

export function echo_string(): i32 {
  Host.outputString(Host.inputString());
  return 0;
}
