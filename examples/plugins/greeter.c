/* greeter: a config-driven greeting. The operator sets config values
 * `greeting` (default "Hello") and optionally `punctuation` for the plugin;
 * POST /plugins/greeter/greet with a name returns "<greeting>, <name><p>". */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* config_or(const char* key, const char* fallback) {
  char* value;
  size_t n;
  if (hookd_config_get(key, &value, &n) == HOOKD_OK) return value;
  return strdup(fallback);
}

static int greet(const uint8_t* in, size_t len) {
  if (len == 0) return hookd_error_status(400, "send a name");
  if (len > 256) return hookd_error_status(400, "name longer than 256 bytes");
  char* greeting = config_or("greeting", "Hello");
  char* punctuation = config_or("punctuation", "!");
  char out[1024];
  int n = snprintf(out, sizeof out, "%s, %.*s%s", greeting, (int)len, (const char*)in, punctuation);
  free(greeting);
  free(punctuation);
  if (n < 0) return hookd_error("formatting failed");
  if ((size_t)n >= sizeof out) n = (int)sizeof out - 1;
  return hookd_output_copy(out, (size_t)n);
}

HOOKD_INIT() { hookd_register("greet", greet, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_TEXT); }
