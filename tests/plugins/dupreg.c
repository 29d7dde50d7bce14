/* dupreg: registers the same name twice during init; the host rejects the
 * second registration and the load. */
#include "ok.h"

HOOKD_INIT() {
  REGISTER_OK();
  REGISTER_OK();
}
