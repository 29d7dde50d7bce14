// An Extism plugin as an HTTP handler, through hookd's extism:host/user
// request, response and crypto functions (docs/abi.md):
//   redirect    reads the method, header X-Token (both values, any case), the
//               query parameter q and the route parameter id; answers 302
//               with two Set-Cookie and a Location
//   status      sets the status given in decimal
//   add_header  input "name\nvalue"
//   hmac        input "key\nmessage": the HMAC-SHA256 in hex
//   bad_handle  asks for a header named by a handle that was never allocated
// A refused call fails with the host's message.
import { Host, Memory } from "@extism/as-pdk";
import { length } from "@extism/as-pdk/lib/env";
import { outputText } from "../../../../examples/assemblyscript/extism/common";

@external("extism:host/user", "request_method")
declare function request_method(): u64;
@external("extism:host/user", "request_header")
declare function request_header(name: u64, index: i64): u64;
@external("extism:host/user", "request_query_param")
declare function request_query_param(name: u64): u64;
@external("extism:host/user", "request_route_param")
declare function request_route_param(name: u64): u64;
@external("extism:host/user", "response_set_status")
declare function response_set_status(status: i64): void;
@external("extism:host/user", "response_add_header")
declare function response_add_header(name: u64, value: u64): void;
@external("extism:host/user", "crypto_hmac_sha256")
declare function crypto_hmac_sha256(key: u64, message: u64): u64;

function handle(s: string): u64 {
  return Memory.allocateString(s).offset;
}

// The text of a handle; 0 is an empty or absent value.
function text(offset: u64): string {
  if (offset == 0) return "";
  return new Memory(offset, length(offset)).toString();
}

function addHeader(name: string, value: string): void {
  response_add_header(handle(name), handle(value));
}

export function redirect(): i32 {
  const method = text(request_method());
  const first = text(request_header(handle("x-TOKEN"), 0));
  const second = text(request_header(handle("X-Token"), 1));
  const q = text(request_query_param(handle("q")));
  const id = text(request_route_param(handle("id")));
  response_set_status(302);
  addHeader("Set-Cookie", "a=1; Path=/");
  addHeader("Set-Cookie", "b=2; HttpOnly");
  addHeader("Location", "/users/" + id);
  outputText(method + " token=" + first + "," + second + " q=" + q + " id=" + id);
  return 0;
}

export function status(): i32 {
  response_set_status(I64.parseInt(Host.inputString()));
  outputText("ok");
  return 0;
}

export function add_header(): i32 {
  const s = Host.inputString();
  const nl = s.indexOf("\n");
  addHeader(s.substring(0, nl), s.substring(nl + 1));
  outputText("ok");
  return 0;
}

export function hmac(): i32 {
  const s = Host.inputString();
  const nl = s.indexOf("\n");
  const key = s.substring(0, nl);
  const mac = crypto_hmac_sha256(key.length == 0 ? 0 : handle(key), handle(s.substring(nl + 1)));
  const bytes = new Memory(mac, length(mac)).toUint8Array();
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += (<u32>bytes[i] + 0x100).toString(16).substring(1);
  outputText(hex);
  return 0;
}

export function bad_handle(): i32 {
  request_header(0xfffffff0, 0);
  outputText("not trapped");
  return 0;
}
