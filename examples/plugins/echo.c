/* echo: returns its input. The output points into the PDK's input buffer, so
 * the plugin copies nothing and allocates nothing per call. */
#include <hookd/pdk.h>

static int echo(const uint8_t* input, size_t len) { return hookd_output(input, len); }

HOOKD_INIT() { hookd_register("echo", echo, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES); }
