// waPC echo: operation "echo" returns its payload. Built with
// `--exportStart _start`, so its registrations only exist when the host runs
// `_start` at load as waPC hosts do.
import { register, handleCall, Result } from "@wapc/as-guest";
import "../common"; // abort handler (--use abort=wapc/common/abort)

register("echo", (payload: ArrayBuffer): Result<ArrayBuffer> => Result.ok<ArrayBuffer>(payload));

export function __guest_call(operation_size: usize, payload_size: usize): bool {
  return handleCall(operation_size, payload_size);
}
