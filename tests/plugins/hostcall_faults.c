/* hostcall_faults: host calls that must fail cleanly. `missing` calls a host
 * function that is never granted (a plugin error, not a trap); `direct_bad`
 * hands the direct form of "upper" an address outside linear memory (a trap
 * naming the function, then a fresh instance). */
#include <stdlib.h>

#include "ok.h"

static int missing(const uint8_t* input, size_t len) {
  uint8_t* result = NULL;
  size_t out_len = 0;
  int rc = hookd_host_call("no_such_fn", input, len, &result, &out_len);
  if (rc == HOOKD_HOST_NOT_FOUND) return hookd_error("host function not found: no_such_fn");
  if (rc != HOOKD_OK) return hookd_error_n(0, result, result ? out_len : 0);
  rc = hookd_output_copy(result, out_len);
  free(result);
  return rc;
}

static int direct_bad(const uint8_t* input, size_t len) {
  (void)input;
  (void)len;
  int rc = hookd_host_call_direct("upper", 5, (void*)(uintptr_t)0xFFFFFF00u, 512);
  if (rc != HOOKD_HOST_OK) return hookd_error("upper failed without a trap");
  return hookd_output_str("unreachable");
}

HOOKD_INIT() {
  hookd_register("missing", missing, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("direct_bad", direct_bad, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  REGISTER_OK();
}
