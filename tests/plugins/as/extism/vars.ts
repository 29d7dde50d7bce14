// Extism vars (per instance): `bump` adds one to the var "n" and answers
// the new value; `forget` removes it; `put` stores the input in the var
// "blob" and answers its length; `blob` answers the var "blob".
import { Host, Var } from "@extism/as-pdk";
import { fail, outputText } from "../../../../examples/assemblyscript/extism/common";

export function bump(): i32 {
  const old = Var.getString("n");
  const n = (old == null ? 0 : I32.parseInt(old!)) + 1;
  Var.set("n", Uint8Array.wrap(String.UTF8.encode(n.toString())));
  outputText(n.toString());
  return 0;
}

export function forget(): i32 {
  Var.remove("n");
  return 0;
}

export function put(): i32 {
  const input = Host.input();
  Var.set("blob", input);
  outputText(input.length.toString());
  return 0;
}

export function blob(): i32 {
  const value = Var.get("blob");
  if (value == null) return fail("no var blob");
  Host.output(value!);
  return 0;
}
