// waPC failures: "fail" returns a guest error naming its payload; "ok"
// answers "ok" (to show the instance keeps serving). Any other operation
// gets the guest's own "Could not find function" error.
import { register, handleCall, Result } from "@wapc/as-guest";
import "../../../../examples/assemblyscript/wapc/common"; // abort handler (--use abort=wapc/common/abort)

register("fail", (payload: ArrayBuffer): Result<ArrayBuffer> =>
  Result.error<ArrayBuffer>(new Error("failed on purpose: " + String.UTF8.decode(payload))));
register("ok", (payload: ArrayBuffer): Result<ArrayBuffer> => Result.ok<ArrayBuffer>(String.UTF8.encode("ok")));

export function __guest_call(operation_size: usize, payload_size: usize): bool {
  return handleCall(operation_size, payload_size);
}
