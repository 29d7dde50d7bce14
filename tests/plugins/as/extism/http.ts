// Extism HTTP: `fetch` sends a GET to the URL in its input through the
// host's http_request and answers "<status> <body>"; a host error (no grant,
// allowlist, SSRF guard) reaches the caller as the plugin's error.
import { Host, Memory } from "@extism/as-pdk";
import { http_request, length } from "@extism/as-pdk/lib/env";
import { outputText } from "../../../../examples/assemblyscript/extism/common";

// Not declared by the 1.0.0 PDK; part of Extism's kernel interface.
@external("extism:host/env", "http_status_code")
declare function http_status_code(): i32;

export function fetch(): i32 {
  const url = Host.inputString();
  const req = Memory.allocateString('{"method":"GET","url":"' + url + '","headers":{}}');
  const res = http_request(req.offset, 0);
  const status = http_status_code();
  let body = "";
  if (res != 0) body = new Memory(res, length(res)).toString();
  outputText(status.toString() + " " + body);
  return 0;
}
