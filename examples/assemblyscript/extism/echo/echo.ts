// Extism echo: `echo` returns its input.
import { Host } from "@extism/as-pdk";
import "../common"; // abort handler

export function echo(): i32 {
  Host.output(Host.input());
  return 0;
}
