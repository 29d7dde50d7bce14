/* fetchproxy: calls the URL configured as `upstream` (which the operator must
 * also allow in the plugin's fetch grant) and wraps its JSON answer:
 *   {"upstream_status": 200, "data": <the upstream JSON>}
 * POST /plugins/fetchproxy/get. Errors (not granted, not allowed, timeout,
 * non-JSON upstream) become 502 with the reason. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* out_buf;

static int looks_like_json(const uint8_t* p, size_t n) {
  while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
    ++p;
    --n;
  }
  return n && (*p == '{' || *p == '[');
}

static int get(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  char* upstream;
  size_t ulen;
  if (hookd_config_get("upstream", &upstream, &ulen) != HOOKD_OK) {
    return hookd_error_status(500, "fetchproxy: set the `upstream` config value");
  }
  hookd_header accept = {"Accept", "application/json"};
  int status = 0;
  uint8_t* body;
  size_t body_len;
  int rc = hookd_fetch("GET", upstream, &accept, 1, NULL, 0, &status, &body, &body_len);
  free(upstream);
  if (rc != HOOKD_OK) return hookd_error_status(502, hookd_last_error());
  if (!looks_like_json(body, body_len)) {
    free(body);
    return hookd_error_status(502, "fetchproxy: upstream did not answer JSON");
  }
  free(out_buf);
  out_buf = malloc(body_len + 64);
  if (!out_buf) {
    free(body);
    return hookd_error("out of memory");
  }
  int n = snprintf(out_buf, 64, "{\"upstream_status\":%d,\"data\":", status);
  memcpy(out_buf + n, body, body_len);
  out_buf[n + body_len] = '}';
  free(body);
  return hookd_output(out_buf, (size_t)n + body_len + 1);
}

HOOKD_INIT() { hookd_register("get", get, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_JSON); }
