/* envimport: imports env.missing_fn, which no host provides; the load must
 * fail with an error naming the import. */
#include "ok.h"

__attribute__((import_module("env"), import_name("missing_fn"))) int32_t missing_fn(int32_t x);

static int call_missing(const uint8_t* input, size_t len) {
  static int32_t result;
  result = missing_fn((int32_t)len);
  return hookd_output(&result, sizeof result);
}

HOOKD_INIT() {
  hookd_register("call_missing", call_missing, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  REGISTER_OK();
}
