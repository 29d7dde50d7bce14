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

/* Ten reads of the counter per call: the "10 kv_get per request" benchmark.
 * hookd_kv_get_into copies into a buffer of ours (no allocation); get10_alloc
 * does the same with hookd_kv_get, which returns a malloc'd copy. */
static int get10(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  size_t total = 0;
  for (int i = 0; i < 10; ++i) {
    char value[32];
    size_t n;
    int rc = hookd_kv_get_into(kKey, sizeof kKey - 1, value, sizeof value, &n);
    if (rc == HOOKD_ERROR) return hookd_error_status(503, hookd_last_error());
    if (rc == HOOKD_OK) total += n;
  }
  char out[24];
  int n = snprintf(out, sizeof out, "%zu", total);
  return hookd_output_copy(out, (size_t)n);
}

/* The same ten reads in one host call (hookd_kv_get_many), into `values`. */
static int read_ten_at_once(hookd_kv_read_t reads[10], char values[10][32]) {
  for (int i = 0; i < 10; ++i) {
    reads[i].key = kKey;
    reads[i].key_len = sizeof kKey - 1;
    reads[i].buf = values[i];
    reads[i].cap = sizeof values[i];
  }
  return hookd_kv_get_many(reads, 10);
}

static int get10_batch(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  char values[10][32];
  hookd_kv_read_t reads[10];
  if (read_ten_at_once(reads, values) != HOOKD_OK) return hookd_error_status(503, hookd_last_error());
  size_t total = 0;
  for (int i = 0; i < 10; ++i) {
    if (reads[i].found) total += reads[i].len;
  }
  char out[24];
  int n = snprintf(out, sizeof out, "%zu", total);
  return hookd_output_copy(out, (size_t)n);
}

/* The "10 kv_get per request" benchmark against echo: ten reads, then the
 * input echoed back exactly as the echo plugin does (no copy), so the only
 * difference from echo is the reads. A failed read fails the call. */
static int read10(const uint8_t* in, size_t len) {
  for (int i = 0; i < 10; ++i) {
    char value[32];
    size_t n;
    if (hookd_kv_get_into(kKey, sizeof kKey - 1, value, sizeof value, &n) == HOOKD_ERROR) {
      return hookd_error_status(503, hookd_last_error());
    }
  }
  return hookd_output(in, len);
}

static int read10_batch(const uint8_t* in, size_t len) {
  char values[10][32];
  hookd_kv_read_t reads[10];
  if (read_ten_at_once(reads, values) != HOOKD_OK) return hookd_error_status(503, hookd_last_error());
  return hookd_output(in, len);
}

static int get10_alloc(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  size_t total = 0;
  for (int i = 0; i < 10; ++i) {
    uint8_t* value;
    size_t n;
    int rc = hookd_kv_get(kKey, sizeof kKey - 1, &value, &n);
    if (rc == HOOKD_ERROR) return hookd_error_status(503, hookd_last_error());
    if (rc == HOOKD_OK) {
      total += n;
      free(value);
    }
  }
  char out[24];
  int n = snprintf(out, sizeof out, "%zu", total);
  return hookd_output_copy(out, (size_t)n);
}

HOOKD_INIT() {
  hookd_register("incr", incr, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_TEXT);
  hookd_register("get", get, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("get10", get10, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("get10_batch", get10_batch, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("get10_alloc", get10_alloc, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("read10", read10, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("read10_batch", read10_batch, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
}
