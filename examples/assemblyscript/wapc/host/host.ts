// waPC host calls into hookd's services (docs/abi.md, "waPC plugins").
// Built with `--exportStart wapc_init`: the host runs wapc_init at load.
//   get     payload: key               -> kv/get
//   set     payload: key=value         -> kv/set {key, value}
//   delete  payload: key               -> kv/delete
//   incr    payload: key=delta         -> kv/incr {key, delta}
//   config  payload: key               -> config/get
//   fetch   payload: url               -> http/fetch {url}
//   call    payload: ns/op/body        -> ns/op with body as it is (ASCII ns, op)
//   log     payload: message           -> __console_log
// Each returns the host's response bytes, or fails with the host's error.
import { register, handleCall, hostCall, consoleLog, Result } from "@wapc/as-guest";
import "../common"; // abort handler (--use abort=wapc/common/abort)
import { MsgpackWriter } from "./msgpack";

function text(payload: ArrayBuffer): string {
  return String.UTF8.decode(payload);
}

function host(namespace: string, operation: string, payload: ArrayBuffer): Result<ArrayBuffer> {
  const r = hostCall("hookd", namespace, operation, payload);
  if (r.isOk) return r;
  return Result.error<ArrayBuffer>(new Error("host: " + r.error()!.message));
}

register("get", (p: ArrayBuffer): Result<ArrayBuffer> => host("kv", "get", p));
register("delete", (p: ArrayBuffer): Result<ArrayBuffer> => host("kv", "delete", p));
register("config", (p: ArrayBuffer): Result<ArrayBuffer> => host("config", "get", p));

register("set", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const s = text(p);
  const eq = s.indexOf("=");
  const req = new MsgpackWriter().mapHeader(2)
    .str("key").str(s.substring(0, eq))
    .str("value").bin(Uint8Array.wrap(String.UTF8.encode(s.substring(eq + 1))))
    .finish();
  return host("kv", "set", req);
});

register("incr", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const s = text(p);
  const eq = s.indexOf("=");
  const req = new MsgpackWriter().mapHeader(2)
    .str("key").str(s.substring(0, eq))
    .str("delta").int(I64.parseInt(s.substring(eq + 1)))
    .finish();
  return host("kv", "incr", req);
});

register("fetch", (p: ArrayBuffer): Result<ArrayBuffer> =>
  host("http", "fetch", new MsgpackWriter().mapHeader(1).str("url").str(text(p)).finish()));

register("call", (p: ArrayBuffer): Result<ArrayBuffer> => {
  const s = text(p);
  const a = s.indexOf("/");
  const b = s.indexOf("/", a + 1);
  // ns and op are ASCII, so the body starts at the same byte offset.
  return host(s.substring(0, a), s.substring(a + 1, b), p.slice(b + 1));
});

register("log", (p: ArrayBuffer): Result<ArrayBuffer> => {
  consoleLog(text(p));
  return Result.ok<ArrayBuffer>(new ArrayBuffer(0));
});

export function __guest_call(operation_size: usize, payload_size: usize): bool {
  return handleCall(operation_size, payload_size);
}
