/* version: builds of one source (HOOKD_VERSION_TAG "A", "B", ...) serving the
 * same function, so hot-replace and release tests can tell which version
 * answered. HOOKD_FAIL_TENTHS n: n of every 10 calls (per instance) fail with
 * a plugin error; HOOKD_SPIN n: each call first counts to n (a slower version). */
#include <hookd/pdk.h>

#ifndef HOOKD_VERSION_TAG
#define HOOKD_VERSION_TAG "A"
#endif
#ifndef HOOKD_FAIL_TENTHS
#define HOOKD_FAIL_TENTHS 0
#endif
#ifndef HOOKD_SPIN
#define HOOKD_SPIN 0
#endif

#if HOOKD_FAIL_TENTHS > 0
static unsigned calls;
#endif

static int which(const uint8_t* input, size_t len) {
  (void)input;
  (void)len;
#if HOOKD_SPIN > 0
  /* volatile: a loop without side effects may be deleted. */
  for (volatile unsigned i = 0; i < HOOKD_SPIN; i = i + 1) {
  }
#endif
#if HOOKD_FAIL_TENTHS > 0
  if (calls++ % 10 < HOOKD_FAIL_TENTHS) return hookd_error("version " HOOKD_VERSION_TAG " failed this call");
#endif
  return hookd_output_str(HOOKD_VERSION_TAG);
}

HOOKD_INIT() { hookd_register("which", which, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT); }
