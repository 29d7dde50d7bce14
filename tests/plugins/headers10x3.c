/* headers10x3: the "plugin as an HTTP handler" benchmark
 * (loadtest/scenarios/handler_cost.sh): reads ten request headers
 * (X-Bench-0 ... X-Bench-9) and sets three response headers, then answers
 * the same 64 bytes as the echo benchmark, so what it adds to echo is the
 * header traffic. Served through a route (GET /bench/headers); the reads and
 * the sets go through hookd.host_call like any plugin's. A header that is
 * missing counts in X-Bench-Seen instead of failing the call. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>

static const char kBody[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

static int headers(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  static const char* const kNames[10] = {"X-Bench-0", "X-Bench-1", "X-Bench-2", "X-Bench-3", "X-Bench-4",
                                         "X-Bench-5", "X-Bench-6", "X-Bench-7", "X-Bench-8", "X-Bench-9"};
  size_t seen = 0, bytes = 0;
  for (int i = 0; i < 10; ++i) {
    char value[64];
    size_t n;
    int rc = hookd_request_header(kNames[i], 0, value, sizeof value, &n);
    if (rc == HOOKD_ERROR) return hookd_error(hookd_last_error());
    if (rc == HOOKD_OK) {
      ++seen;
      bytes += n;
    }
  }
  char count[32];
  snprintf(count, sizeof count, "%zu/%zu", seen, bytes);
  if (hookd_response_add_header("Cache-Control", "no-store") != HOOKD_OK ||
      hookd_response_add_header("X-Bench-Seen", count) != HOOKD_OK ||
      hookd_response_add_header("X-Bench-Plugin", "headers10x3") != HOOKD_OK) {
    return hookd_error(hookd_last_error());
  }
  return hookd_output(kBody, sizeof kBody - 1);
}

HOOKD_INIT() { hookd_register("headers", headers, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES); }
