/* trap: each function traps differently; the host must turn the trap into an
 * error and replace the instance. */
#include "ok.h"

static int unreachable(const uint8_t* input, size_t len) { __builtin_trap(); }

static int div_zero(const uint8_t* input, size_t len) {
  /* Both volatile: with a known numerator LLVM rewrites 1/x as a select
   * that never divides, and with a known divisor it folds the UB away. */
  volatile int32_t num = 1, zero = 0;
  static int32_t result;
  result = num / zero; /* i32.div_s traps */
  return hookd_output(&result, sizeof result);
}

static int oob(const uint8_t* input, size_t len) {
  static int32_t result;
  volatile int32_t* p = (volatile int32_t*)(uintptr_t)0xFFFFFFF0u;
  result = *p; /* beyond any memory a wasm32 instance can have */
  return hookd_output(&result, sizeof result);
}

HOOKD_INIT() {
  hookd_register("unreachable", unreachable, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("div_zero", div_zero, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("oob", oob, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  REGISTER_OK();
}
