// The hello handler (examples/handlers/hello) with the Extism AS PDK,
// unchanged, through hookd's extism:host/user request and response
// functions (docs/abi.md, "hookd's services"):
//   hello   GET /api/hello?name=<n> -> 200 {"hello":"<n>"} (application/json,
//           the name decoded and JSON-escaped) with X-Hello: 1; a missing or
//           empty name, or one longer than 256 bytes: 400 {"error":"..."}.
// Every answer is a successful call (return 0): a failed call's status and
// headers would be dropped.
import { Memory } from "@extism/as-pdk";
import { length } from "@extism/as-pdk/lib/env";
import { outputText } from "../common";

@external("extism:host/user", "request_query_param")
declare function request_query_param(name: u64): u64;
@external("extism:host/user", "response_set_status")
declare function response_set_status(status: i64): void;
@external("extism:host/user", "response_add_header")
declare function response_add_header(name: u64, value: u64): void;

const MAX_NAME_BYTES: u64 = 256;

function handle(s: string): u64 {
  return Memory.allocateString(s).offset;
}

function hex4(code: i32): string {
  return (code + 0x10000).toString(16).substring(1);
}

// The inside of a JSON string: quotes, backslashes and control characters
// escaped (DEL too, so the answer stays printable).
function jsonEscape(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c == 0x08) out += "\\b";
    else if (c == 0x0c) out += "\\f";
    else if (c < 0x20 || c == 0x7f) out += "\\u" + hex4(c);
    else out += s.charAt(i);
  }
  return out;
}

function answer(status: i32, json: string): i32 {
  response_set_status(status);
  response_add_header(handle("Content-Type"), handle("application/json"));
  outputText(json);
  return 0;
}

export function hello(): i32 {
  // 0: absent, or present and empty; both are "no name".
  const value = request_query_param(handle("name"));
  if (value == 0) return answer(400, "{\"error\":\"query parameter name is required\"}");
  if (length(value) > MAX_NAME_BYTES) return answer(400, "{\"error\":\"name is longer than 256 bytes\"}");
  const name = new Memory(value, length(value)).toString();
  response_add_header(handle("X-Hello"), handle("1"));
  return answer(200, "{\"hello\":\"" + jsonEscape(name) + "\"}");
}
