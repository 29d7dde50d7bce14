// A waPC plugin as an HTTP handler, through hookd's request/, response/ and
// crypto/ host calls (docs/abi.md, "waPC plugins"):
//   redirect    reads the method, header X-Token (both values, any case), the
//               query parameter q and the route parameter id; answers 302
//               with two Set-Cookie and a Location
//   status      sets the status given in decimal
//   add_header  payload "name\nvalue"
//   hmac        payload "key\nmessage": the HMAC-SHA256 in hex
// A refused host call fails the operation with "host: <the host's error>".
import { register, handleCall, hostCall, Result } from "@wapc/as-guest";
import "../../../../examples/assemblyscript/wapc/common"; // abort handler (--use abort=wapc/common/abort)
import { MsgpackWriter } from "../../../../examples/assemblyscript/wapc/host/msgpack";

function encode(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function host(ns: string, op: string, payload: ArrayBuffer): Result<ArrayBuffer> {
  const r = hostCall("hookd", ns, op, payload);
  if (r.isOk) return r;
  return Result.error<ArrayBuffer>(new Error("host: " + r.error()!.message));
}

// The text a host call answered, or "" when it failed (an absent value).
function text(r: Result<ArrayBuffer>): string {
  return r.isOk ? String.UTF8.decode(r.get()) : "";
}

function header(name: string, index: i64): string {
  return text(host("request", "header", new MsgpackWriter().mapHeader(2)
    .str("name").str(name).str("index").int(index).finish()));
}

function addHeader(name: string, value: string): Result<ArrayBuffer> {
  return host("response", "header", new MsgpackWriter().mapHeader(2)
    .str("name").str(name).str("value").str(value).finish());
}

register("redirect", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const method = text(host("request", "method", new ArrayBuffer(0)));
  const first = header("x-TOKEN", 0);
  const second = header("X-Token", 1);
  const q = text(host("request", "query_param", encode("q")));
  const id = text(host("request", "route_param", encode("id")));
  const set = host("response", "status", new MsgpackWriter().mapHeader(1).str("status").int(302).finish());
  if (!set.isOk) return set;
  let r = addHeader("Set-Cookie", "a=1; Path=/");
  if (r.isOk) r = addHeader("Set-Cookie", "b=2; HttpOnly");
  if (r.isOk) r = addHeader("Location", "/users/" + id);
  if (!r.isOk) return r;
  return Result.ok<ArrayBuffer>(encode(method + " token=" + first + "," + second + " q=" + q + " id=" + id));
});

register("status", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const status = I64.parseInt(String.UTF8.decode(p));
  const r = host("response", "status", new MsgpackWriter().mapHeader(1).str("status").int(status).finish());
  return r.isOk ? Result.ok<ArrayBuffer>(encode("ok")) : r;
});

register("add_header", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const s = String.UTF8.decode(p);
  const nl = s.indexOf("\n");
  const r = addHeader(s.substring(0, nl), s.substring(nl + 1));
  return r.isOk ? Result.ok<ArrayBuffer>(encode("ok")) : r;
});

register("hmac", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const s = String.UTF8.decode(p);
  const nl = s.indexOf("\n");
  const r = host("crypto", "hmac_sha256", new MsgpackWriter().mapHeader(2)
    .str("key").str(s.substring(0, nl)).str("message").str(s.substring(nl + 1)).finish());
  if (!r.isOk) return r;
  const bytes = Uint8Array.wrap(r.get());
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += (<u32>bytes[i] + 0x100).toString(16).substring(1);
  return Result.ok<ArrayBuffer>(encode(hex));
});

export function __guest_call(operation_size: usize, payload_size: usize): bool {
  return handleCall(operation_size, payload_size);
}
