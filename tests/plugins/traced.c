/* traced: one call that makes a KV call and a fetch, for the tracing tests.
 * `visit` increments the KV key "visits", fetches the configured `upstream`
 * URL (GET) and answers
 *   {"visits":N,"status":S,"traceparent":"<hookd.request.traceparent>"}
 * A failed host call answers 502 with its error. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>

static char reply[256];

static int visit(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  int64_t visits = 0;
  if (hookd_kv_incr("visits", 6, 1, &visits) != HOOKD_OK) return hookd_error_status(502, hookd_last_error());
  char* upstream;
  size_t ulen;
  if (hookd_config_get("upstream", &upstream, &ulen) != HOOKD_OK)
    return hookd_error_status(500, "traced: set the `upstream` config value");
  int status = 0;
  uint8_t* body;
  size_t body_len;
  int rc = hookd_fetch("GET", upstream, NULL, 0, NULL, 0, &status, &body, &body_len);
  free(upstream);
  if (rc != HOOKD_OK) return hookd_error_status(502, hookd_last_error());
  free(body);
  char traceparent[64];
  size_t tlen = 0;
  if (hookd_request_traceparent(traceparent, sizeof traceparent - 1, &tlen) != HOOKD_OK ||
      tlen >= sizeof traceparent)
    return hookd_error_status(500, "traced: no traceparent reply");
  traceparent[tlen] = '\0';
  int n = snprintf(reply, sizeof reply, "{\"visits\":%lld,\"status\":%d,\"traceparent\":\"%s\"}",
                   (long long)visits, status, traceparent);
  return hookd_output(reply, (size_t)n);
}

HOOKD_INIT() { hookd_register("visit", visit, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_JSON); }
