// waPC faults: "unreachable" traps, "throw" aborts with a message (the
// guest reports it through __guest_error, then traps), "hog" allocates until
// the memory cap stops it, "loop" never returns, "ok" answers "ok".
import { register, handleCall, Result } from "@wapc/as-guest";
import "../../../../examples/assemblyscript/wapc/common"; // abort handler (--use abort=wapc/common/abort)

register("unreachable", (payload: ArrayBuffer): Result<ArrayBuffer> => {
  unreachable();
  return Result.ok<ArrayBuffer>(payload);
});
register("throw", (payload: ArrayBuffer): Result<ArrayBuffer> => {
  throw new Error("thrown on purpose");
});
let hoard = new Array<ArrayBuffer>();
register("hog", (payload: ArrayBuffer): Result<ArrayBuffer> => {
  for (;;) hoard.push(new ArrayBuffer(1 << 20));
  return Result.ok<ArrayBuffer>(payload); // never reached
});
register("loop", (payload: ArrayBuffer): Result<ArrayBuffer> => {
  let n: u64 = 0;
  for (;;) n = n * 31 + <u64>payload.byteLength;
  return Result.ok<ArrayBuffer>(payload); // never reached
});
register("ok", (payload: ArrayBuffer): Result<ArrayBuffer> => Result.ok<ArrayBuffer>(String.UTF8.encode("ok")));

export function __guest_call(operation_size: usize, payload_size: usize): bool {
  return handleCall(operation_size, payload_size);
}
