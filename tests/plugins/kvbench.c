/* kvbench: ten reads of the counter example's key per call, the "10 kv_get
 * per request" benchmarks (tests/bench, loadtest/bench.sh, kv_cost.sh).
 * Give it a KV grant on the counter's namespace. hookd_kv_get_into copies
 * into a buffer of ours (no allocation); get10_alloc does the same with
 * hookd_kv_get, which returns a malloc'd copy. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>

static const char kKey[] = "count";

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
  hookd_register("get10", get10, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("get10_batch", get10_batch, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("get10_alloc", get10_alloc, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("read10", read10, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("read10_batch", read10_batch, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
}
