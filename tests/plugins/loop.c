/* loop: `spin` never returns (the host's deadline must interrupt it). */
#include "ok.h"

static int spin(const uint8_t* input, size_t len) {
  /* volatile: an infinite loop without side effects may be deleted. */
  volatile uint32_t counter = 0;
  for (;;) counter++;
  return HOOKD_OK;
}

HOOKD_INIT() {
  hookd_register("spin", spin, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  REGISTER_OK();
}
