/* badptr: hands the host pointers/lengths outside linear memory. Each call
 * must fail with a trap naming the import (or, for bad_output, a protocol
 * error), never read or write host memory. Uses the raw imports directly. */
#include <string.h>

#include "ok.h"

#define RAW(name) __attribute__((import_module("hookd"), import_name(name)))
RAW("log") void raw_log(int32_t level, uint32_t ptr, uint32_t len);
RAW("host_call")
int32_t raw_host_call(uint32_t name_ptr, uint32_t name_len, uint32_t in_ptr, uint32_t in_len,
                      uint32_t result_len_ptr);
RAW("host_result") uint32_t raw_host_result(uint32_t dst_ptr, uint32_t dst_len);
RAW("host_call_into")
int32_t raw_host_call_into(uint32_t name_ptr, uint32_t name_len, uint32_t in_ptr, uint32_t in_len,
                           uint32_t out_ptr, uint32_t out_cap, uint32_t result_len_ptr);

#define ADDR(p) ((uint32_t)(uintptr_t)(p))

static int bad_log(const uint8_t* input, size_t len) {
  raw_log(HOOKD_LOG_INFO, 0xFFFFFF00u, 1000);
  return hookd_output_str("bad_log returned");
}

/* ptr + len wraps to 15 in 32-bit arithmetic: only a 64-bit check catches it. */
static int wrap_len(const uint8_t* input, size_t len) {
  raw_log(HOOKD_LOG_INFO, 16, 0xFFFFFFFFu);
  return hookd_output_str("wrap_len returned");
}

static int bad_host_call(const uint8_t* input, size_t len) {
  static uint32_t result_len;
  raw_host_call(0xFFFFFF00u, 64, ADDR(input), (uint32_t)len, ADDR(&result_len));
  return hookd_output_str("bad_host_call returned");
}

/* A well-formed call to the host function "relay" (whatever it answers),
 * then a result copy to an address past the end of memory. */
static int bad_result_ptr(const uint8_t* input, size_t len) {
  static const char name[] = "relay";
  static uint32_t result_len;
  raw_host_call(ADDR(name), sizeof name - 1, ADDR(input), (uint32_t)len, ADDR(&result_len));
  raw_host_result(0xFFFFFFF0u, 64);
  return hookd_output_str("bad_result_ptr returned");
}

/* An output buffer that runs past the end of memory. */
static int bad_call_into(const uint8_t* input, size_t len) {
  static const char name[] = "relay";
  static uint32_t result_len;
  raw_host_call_into(ADDR(name), sizeof name - 1, ADDR(input), (uint32_t)len, 0xFFFFFFF0u, 64,
                     ADDR(&result_len));
  return hookd_output_str("bad_call_into returned");
}

/* A bad pointer, then a loop that never ends: the fault itself must stop
 * the guest (a trap), not the deadline. */
static volatile int spin = 1;
static int bad_then_spin(const uint8_t* input, size_t len) {
  raw_log(HOOKD_LOG_INFO, 0xFFFFFF00u, 1000);
  while (spin) {
  }
  return hookd_output_str("bad_then_spin returned");
}

/* Claims success with an output outside memory, writing the frame directly. */
static int bad_output(const uint8_t* input, size_t len) {
  hookd_frame_t* frame = hookd_current_frame();
  frame->out_ptr = 0xFFFFFF00u;
  frame->out_len = 4096;
  frame->status = 0;
  return HOOKD_OK;
}

/* hookd.kv.read with bad descriptors (needs a KV grant): the table outside
 * memory, a key outside memory, a buffer outside memory, and too many keys. */
static int kv_read_rc(void* table, size_t n) {
  int rc = hookd_host_call_direct("hookd.kv.read", 13, table, n);
  if (rc == HOOKD_HOST_OK) return hookd_output_str("ok");
  char msg[256];
  size_t len = hookd_host_result(msg, sizeof msg);
  return hookd_error_n(0, msg, len);
}
static int kv_read_bad_table(const uint8_t* input, size_t len) {
  return kv_read_rc((void*)(uintptr_t)0xFFFFFFF0u, 2);
}
static uint32_t descriptors[1001 * 6];
static int kv_read_bad_key(const uint8_t* input, size_t len) {
  static char buf[8];
  uint32_t d[6] = {0xFFFFFF00u, 64, (uint32_t)(uintptr_t)buf, sizeof buf, 0, 0};
  memcpy(descriptors, d, sizeof d);
  return kv_read_rc(descriptors, 1);
}
static int kv_read_bad_buffer(const uint8_t* input, size_t len) {
  static const char key[] = "count";
  uint32_t d[6] = {(uint32_t)(uintptr_t)key, 5, 0xFFFFFF00u, 4096, 0, 0};
  memcpy(descriptors, d, sizeof d);
  return kv_read_rc(descriptors, 1);
}
static int kv_read_too_many(const uint8_t* input, size_t len) { return kv_read_rc(descriptors, 1001); }

HOOKD_INIT() {
  hookd_register("bad_log", bad_log, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("wrap_len", wrap_len, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("bad_host_call", bad_host_call, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("bad_result_ptr", bad_result_ptr, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("bad_call_into", bad_call_into, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("bad_then_spin", bad_then_spin, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("bad_output", bad_output, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("kv_read_bad_table", kv_read_bad_table, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("kv_read_bad_key", kv_read_bad_key, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("kv_read_bad_buffer", kv_read_bad_buffer, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("kv_read_too_many", kv_read_too_many, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  REGISTER_OK();
}
