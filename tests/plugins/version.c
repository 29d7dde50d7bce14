/* version: two builds of one source (HOOKD_VERSION_TAG "A" or "B") serving the
 * same function, so hot-replace tests can tell which version answered. */
#include <hookd/pdk.h>

#ifndef HOOKD_VERSION_TAG
#define HOOKD_VERSION_TAG "A"
#endif

static int which(const uint8_t* input, size_t len) {
  (void)input;
  (void)len;
  return hookd_output_str(HOOKD_VERSION_TAG);
}

HOOKD_INIT() { hookd_register("which", which, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT); }
