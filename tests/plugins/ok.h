/* The `ok` function every test plugin has, to show the instance still works
 * (or was replaced) after a misbehaving call. */
#ifndef TESTS_PLUGINS_OK_H
#define TESTS_PLUGINS_OK_H
#include <hookd/pdk.h>

static int ok(const uint8_t* input, size_t len) { return hookd_output_str("ok"); }

#define REGISTER_OK() hookd_register("ok", ok, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT)
#endif
