/* stack: `overflow` recurses without bound, exhausting the VM's call stack. */
#include "ok.h"

static volatile uint32_t depth;
static int32_t recurse(int32_t n);
/* Called through a volatile pointer: the optimiser cannot inline it, turn the
 * recursion into a loop or prove it never returns. */
static int32_t (*volatile recurse_ptr)(int32_t) = recurse;

static int32_t recurse(int32_t n) {
  depth++;
  return recurse_ptr(n + 1) + n; /* not a tail call */
}

static int overflow(const uint8_t* input, size_t len) {
  static int32_t result;
  result = recurse_ptr(0);
  return hookd_output(&result, sizeof result);
}

HOOKD_INIT() {
  hookd_register("overflow", overflow, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  REGISTER_OK();
}
