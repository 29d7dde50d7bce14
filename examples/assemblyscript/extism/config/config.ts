// Extism config: `get` answers the plugin's config value named by the input,
// or fails with "no config key <key>".
import { Config, Host } from "@extism/as-pdk";
import { fail, outputText } from "../common";

export function get(): i32 {
  const key = Host.inputString();
  const value = Config.get(key);
  if (value == null) return fail("no config key " + key);
  outputText(value!);
  return 0;
}
