/* tail: shows what lies in its input buffer past the input. `tail` returns
 * up to 64 KiB of the bytes that follow its input (stopping at the end of
 * memory), so a test can check that a shorter call does not see the rest of
 * a longer, earlier one. */
#include "ok.h"

static int tail(const uint8_t* input, size_t len) {
  const size_t memory_end = __builtin_wasm_memory_size(0) * 65536;
  const size_t from = (size_t)(uintptr_t)(input + len);
  size_t n = 65536;
  if (from >= memory_end)
    n = 0;
  else if (memory_end - from < n)
    n = memory_end - from;
  return hookd_output(input + len, n); /* zero copy: points past the input */
}

HOOKD_INIT() {
  hookd_register("tail", tail, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  REGISTER_OK();
}
