/* initloop: hookd_init never returns (instantiation must run under the
 * plugin's deadline, wherever it happens). */
#include "ok.h"

HOOKD_INIT() {
  volatile uint32_t counter = 0;
  for (;;) counter++;
  REGISTER_OK();
}
