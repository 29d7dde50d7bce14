/* hostile: asks the host to spend memory on its behalf, far beyond its own
 * memory cap (attack class 4, docs/security.md). Each function reports what the host
 * answered, so tests can check the host bounded it:
 *   write_repeat     one fd_write of 128 iovecs all pointing at one 4 MiB
 *                    buffer (512 MiB asked for): "<errno> <nwritten>"
 *   log_huge         hookd.log of 4 MiB
 *   get_many_repeat  hookd.kv.get_many naming one key n times; input: u32 n
 *                    (little-endian), then the key: "<code> <result length>"
 *   host_call_big    the host function named by the input: "<code> <length>"
 * A result is read whole when the plugin can allocate it. */
#include <hookd/pdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#include "ok.h"

#define MIB (1024 * 1024)

static char report[96];

static uint8_t* four_mib(void) {
  static uint8_t* buffer;
  if (!buffer) {
    buffer = malloc(4 * MIB);
    if (buffer) memset(buffer, 'x', 4 * MIB);
  }
  return buffer;
}

static int write_repeat(const uint8_t* in, size_t len) {
  static __wasi_ciovec_t iovs[128];
  uint8_t* b = four_mib();
  if (!b) return hookd_error("no memory for the buffer");
  for (int i = 0; i < 128; ++i) {
    iovs[i].buf = b;
    iovs[i].buf_len = 4 * MIB;
  }
  __wasi_size_t written = 0;
  __wasi_errno_t e = __wasi_fd_write(1, iovs, 128, &written);
  return hookd_output(report,
                      (size_t)snprintf(report, sizeof report, "%u %u", (unsigned)e, (unsigned)written));
}

static int log_huge(const uint8_t* in, size_t len) {
  uint8_t* b = four_mib();
  if (!b) return hookd_error("no memory for the buffer");
  hookd_log_n(HOOKD_LOG_INFO, b, 4 * MIB);
  return hookd_output_str("logged");
}

/* Starts a host call and reads the result when it can: the report is the
 * code and the length the host announced. */
static int call_and_read(const char* name, const void* payload, size_t size) {
  size_t result_len = 0;
  int code = hookd_host_call_start(name, strlen(name), payload, size, &result_len);
  void* result = malloc(result_len ? result_len : 1);
  if (result) {
    hookd_host_result(result, result_len);
    free(result);
  }
  return hookd_output(report, (size_t)snprintf(report, sizeof report, "%d %zu", code, result_len));
}

static int get_many_repeat(const uint8_t* in, size_t len) {
  if (len < 5) return hookd_error("input: u32 count, then the key");
  uint32_t n;
  memcpy(&n, in, 4);
  const uint8_t* key = in + 4;
  const uint32_t key_len = (uint32_t)(len - 4);
  const size_t size = 4 + (size_t)n * (4 + key_len);
  uint8_t* payload = malloc(size);
  if (!payload) return hookd_error("no memory for the request");
  memcpy(payload, &n, 4);
  uint8_t* at = payload + 4;
  for (uint32_t i = 0; i < n; ++i) {
    memcpy(at, &key_len, 4);
    memcpy(at + 4, key, key_len);
    at += 4 + key_len;
  }
  int rc = call_and_read("hookd.kv.get_many", payload, size);
  free(payload);
  return rc;
}

static int host_call_big(const uint8_t* in, size_t len) {
  char name[64];
  if (len == 0 || len >= sizeof name) return hookd_error("input: a host function name");
  memcpy(name, in, len);
  name[len] = '\0';
  return call_and_read(name, "", 0);
}

HOOKD_INIT() {
  hookd_register("write_repeat", write_repeat, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("log_huge", log_huge, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("get_many_repeat", get_many_repeat, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("host_call_big", host_call_big, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  REGISTER_OK();
}
