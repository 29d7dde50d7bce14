/* counter: a KV-backed counter. POST /plugins/counter/incr adds the decimal
 * input (1 when empty) to the key "count" and returns the new total;
 * /plugins/counter/get returns it. Needs a KV grant (read-write for incr). */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char kKey[] = "count";

static int parse_delta(const uint8_t* in, size_t len, int64_t* delta) {
  if (len == 0) {
    *delta = 1;
    return 1;
  }
  if (len > 19) return 0;
  char buf[21];
  memcpy(buf, in, len);
  buf[len] = '\0';
  char* end;
  long long v = strtoll(buf, &end, 10);
  if (*end != '\0') return 0;
  *delta = v;
  return 1;
}

static int incr(const uint8_t* in, size_t len) {
  int64_t delta;
  if (!parse_delta(in, len, &delta)) return hookd_error_status(400, "input must be a decimal integer");
  int64_t total;
  if (hookd_kv_incr(kKey, sizeof kKey - 1, delta, &total) != HOOKD_OK) {
    return hookd_error_status(503, hookd_last_error());
  }
  char out[24];
  int n = snprintf(out, sizeof out, "%lld", (long long)total);
  return hookd_output_copy(out, (size_t)n);
}

static int get(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  uint8_t* value;
  size_t n;
  int rc = hookd_kv_get(kKey, sizeof kKey - 1, &value, &n);
  if (rc == HOOKD_NOT_FOUND) return hookd_output_str("0");
  if (rc != HOOKD_OK) return hookd_error_status(503, hookd_last_error());
  rc = hookd_output_copy(value, n);
  free(value);
  return rc;
}

HOOKD_INIT() {
  hookd_register("incr", incr, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_TEXT);
  hookd_register("get", get, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
}
