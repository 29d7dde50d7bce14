/* extism_raw: an Extism plugin written against the raw extism:host/env
 * kernel imports (no PDK), to reach the corners the PDKs never take:
 * offsets outside every block, huge allocs, vars past the cap, error_set
 * with a bad offset, plus the ordinary functions (echo, count_vowels,
 * config, vars, errors, logs, HTTP) and hookd's extism:host/user services.
 * Every export `() -> i32` is a function hookd can call. */
#include <stdint.h>
#include <string.h>

#define ENV(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define USER(name) __attribute__((import_module("extism:host/user"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

ENV(alloc) uint64_t extism_alloc(uint64_t n);
ENV(free) void extism_free(uint64_t offset);
ENV(length) uint64_t extism_length(uint64_t offset);
ENV(length_unsafe) uint64_t extism_length_unsafe(uint64_t offset);
ENV(load_u8) uint32_t extism_load_u8(uint64_t offset);
ENV(load_u64) uint64_t extism_load_u64(uint64_t offset);
ENV(store_u8) void extism_store_u8(uint64_t offset, uint32_t v);
ENV(store_u64) void extism_store_u64(uint64_t offset, uint64_t v);
ENV(input_offset) uint64_t extism_input_offset(void);
ENV(input_length) uint64_t extism_input_length(void);
ENV(input_load_u8) uint32_t extism_input_load_u8(uint64_t offset);
ENV(input_load_u64) uint64_t extism_input_load_u64(uint64_t offset);
ENV(output_set) void extism_output_set(uint64_t offset, uint64_t n);
ENV(error_set) void extism_error_set(uint64_t offset);
ENV(error_get) uint64_t extism_error_get(void);
ENV(reset) void extism_reset(void);
ENV(config_get) uint64_t extism_config_get(uint64_t key);
ENV(var_get) uint64_t extism_var_get(uint64_t key);
ENV(var_set) void extism_var_set(uint64_t key, uint64_t value);
ENV(log_trace) void extism_log_trace(uint64_t msg);
ENV(log_debug) void extism_log_debug(uint64_t msg);
ENV(log_info) void extism_log_info(uint64_t msg);
ENV(log_warn) void extism_log_warn(uint64_t msg);
ENV(log_error) void extism_log_error(uint64_t msg);
ENV(get_log_level) int32_t extism_get_log_level(void);
ENV(http_request) uint64_t extism_http_request(uint64_t req, uint64_t body);
ENV(http_status_code) int32_t extism_http_status_code(void);
ENV(http_headers) uint64_t extism_http_headers(void);

USER(kv_get) uint64_t hookd_kv_get(uint64_t key);
USER(kv_set) void hookd_kv_set(uint64_t key, uint64_t value);
USER(kv_delete) uint64_t hookd_kv_delete(uint64_t key);
USER(kv_incr) int64_t hookd_kv_incr(uint64_t key, int64_t delta);
USER(config_get) uint64_t hookd_config_get(uint64_t key);
USER(fetch) uint64_t hookd_fetch(uint64_t request);

/* A block holding `n` bytes of `s`, stored 8 bytes a crossing. */
static uint64_t block(const void* s, uint64_t n) {
  const uint8_t* p = s;
  uint64_t o = extism_alloc(n);
  if (o == 0) return 0;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    extism_store_u64(o + i, v);
  }
  for (; i < n; i++) extism_store_u8(o + i, p[i]);
  return o;
}

static uint64_t str(const char* s) { return block(s, strlen(s)); }

/* Copies block `o` (at most cap bytes) into buf; returns its length. */
static uint64_t read_block(uint64_t o, char* buf, uint64_t cap) {
  uint64_t n = extism_length(o);
  uint64_t i = 0;
  for (; i < n && i < cap; i++) buf[i] = (char)extism_load_u8(o + i);
  return n;
}

static int output(const char* s) {
  uint64_t o = str(s);
  extism_output_set(o, extism_length(o));
  return 0;
}

static int fail(const char* msg) {
  extism_error_set(str(msg));
  return 1;
}

static char* utoa(uint64_t v, char* end) { /* writes backwards, returns start */
  *--end = 0;
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

/* The output is the input block itself: three crossings, no copy. */
EXPORT(echo) int32_t echo(void) {
  extism_output_set(extism_input_offset(), extism_input_length());
  return 0;
}

/* As Extism's count-vowels example: reads the input 8 bytes a crossing,
 * answers {"count":N}. */
EXPORT(count_vowels) int32_t count_vowels(void) {
  uint64_t n = extism_input_length();
  uint64_t count = 0, i = 0;
  uint8_t chunk[8];
  for (; i + 8 <= n; i += 8) {
    uint64_t v = extism_input_load_u64(i);
    memcpy(chunk, &v, 8);
    for (int k = 0; k < 8; k++) {
      switch (chunk[k] | 0x20) {
        case 'a':
        case 'e':
        case 'i':
        case 'o':
        case 'u':
          count++;
      }
    }
  }
  for (; i < n; i++) {
    switch (extism_input_load_u8(i) | 0x20) {
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
        count++;
    }
  }
  char buf[48] = "{\"count\":";
  char num[24];
  strcat(buf, utoa(count, num + sizeof num));
  strcat(buf, "}");
  return output(buf);
}

/* Built with -DHOOKD_EXTISM_KERNEL_ONLY (extism_raw_kernel), the plugin ends
 * here: echo and count-vowels use only the kernel functions every Extism
 * host has, so Extism's own hosts can run it beside hookd
 * (loadtest/abi_peers.sh). */
#ifndef HOOKD_EXTISM_KERNEL_ONLY
/* The config value named by the input, or "unset". */
EXPORT(config) int32_t config(void) {
  uint64_t v = extism_config_get(extism_input_offset());
  if (v == 0) return output("unset");
  extism_output_set(v, extism_length(v));
  return 0;
}

/* A per-instance counter in a var. */
EXPORT(count) int32_t count(void) {
  uint64_t key = str("count");
  uint64_t v = extism_var_get(key);
  uint64_t n = v == 0 ? 0 : extism_load_u64(v);
  n++;
  uint64_t nv = extism_alloc(8);
  extism_store_u64(nv, n);
  extism_var_set(key, nv);
  char num[24];
  return output(utoa(n, num + sizeof num));
}

/* Stores the input as var "big" (past max_var_bytes: the call fails). */
EXPORT(var_big) int32_t var_big(void) {
  extism_var_set(str("big"), extism_input_offset());
  return output("stored");
}

/* Deletes var "count" (value 0). */
EXPORT(var_clear) int32_t var_clear(void) {
  extism_var_set(str("count"), 0);
  return output("cleared");
}

EXPORT(fail) int32_t fail_fn(void) { return fail("something went wrong"); }

/* A non-zero result without an error message. */
EXPORT(fail_rc) int32_t fail_rc(void) { return 7; }

/* Sets an error, then clears it again: the call succeeds. */
EXPORT(error_cleared) int32_t error_cleared(void) {
  extism_error_set(str("transient"));
  if (extism_error_get() == 0) return fail("error_get lost the error");
  extism_error_set(0);
  if (extism_error_get() != 0) return fail("error_set(0) did not clear");
  return output("ok");
}

/* Hostile corners. */
EXPORT(load_out_of_range) int32_t load_out_of_range(void) {
  return (int32_t)extism_load_u64(0xffffffff0000ull);
}
EXPORT(store_out_of_range) int32_t store_out_of_range(void) {
  uint64_t o = extism_alloc(4);
  extism_store_u64(o, 1); /* 8 bytes into a 4-byte block at the top: past the arena */
  return 0;
}
EXPORT(input_past_end) int32_t input_past_end(void) {
  return (int32_t)extism_input_load_u64(extism_input_length());
}
EXPORT(output_out_of_range) int32_t output_out_of_range(void) {
  extism_output_set(12345678, 100);
  return 0;
}
EXPORT(output_wraps) int32_t output_wraps(void) {
  extism_output_set(extism_input_offset(), 0xffffffffffffffffull);
  return 0;
}
EXPORT(huge_alloc) int32_t huge_alloc(void) {
  uint64_t o = extism_alloc(1ull << 40);
  return output(o == 0 ? "0" : "allocated");
}
/* alloc fails and the plugin fails without saying why: hookd says it. */
EXPORT(huge_alloc_fail) int32_t huge_alloc_fail(void) { return extism_alloc(1ull << 40) == 0 ? 3 : 0; }
EXPORT(error_set_bad) int32_t error_set_bad(void) {
  extism_error_set(999999);
  return 1;
}
EXPORT(log_bad) int32_t log_bad(void) {
  extism_log_info(424242);
  return 0;
}
/* Allocates 1 MiB blocks until alloc says no; answers how many. */
EXPORT(hog_blocks) int32_t hog_blocks(void) {
  uint64_t n = 0;
  while (extism_alloc(1u << 20) != 0) n++;
  extism_reset(); /* room for the answer */
  char num[24];
  return output(utoa(n, num + sizeof num));
}
/* Grows linear memory past the plugin's cap. */
EXPORT(grow) int32_t grow(void) {
  int r = __builtin_wasm_memory_grow(0, 65536);
  return output(r < 0 ? "-1" : "grew");
}
EXPORT(spin) int32_t spin(void) {
  for (volatile int i = 0;; i++) {
  }
}
EXPORT(trap) int32_t trap(void) { __builtin_trap(); }

/* Every kernel memory function, checked from inside: "ok" or the first
 * check that failed. */
EXPORT(kernel) int32_t kernel(void) {
  if (extism_alloc(0) != 0) return fail("alloc(0) is not 0");
  uint64_t a = extism_alloc(16);
  if (a == 0 || extism_length(a) != 16 || extism_length_unsafe(a) != 16) return fail("length");
  for (int i = 0; i < 16; i++)
    if (extism_load_u8(a + i) != 0) return fail("alloc is not zeroed");
  extism_store_u8(a + 3, 0x1ff); /* the low byte is stored */
  if (extism_load_u8(a + 3) != 0xff) return fail("store_u8/load_u8");
  extism_store_u64(a + 8, 0x0102030405060708ull);
  if (extism_load_u64(a + 8) != 0x0102030405060708ull) return fail("store_u64/load_u64");
  if (extism_load_u8(a + 8) != 0x08) return fail("little-endian");
  if (extism_length(a + 1) != 0) return fail("length of a non-block offset");
  if (extism_length(0) != 0) return fail("length(0)");
  uint64_t b = extism_alloc(32);
  extism_free(a);
  if (extism_length(a) != 0) return fail("length of a freed block");
  extism_free(a);               /* twice: a no-op */
  uint64_t c = extism_alloc(8); /* fits where a was */
  if (c != a) return fail("freed block not reused");
  if (extism_length(b) != 32) return fail("free touched another block");
  uint64_t n = extism_input_length();
  if (n != 5) return fail("input_length (send 5 bytes)");
  if (extism_length(extism_input_offset()) != n) return fail("input block length");
  if (extism_input_load_u8(0) != (uint32_t)extism_load_u8(extism_input_offset()))
    return fail("input_load_u8");
  extism_log_trace(str("trace line"));
  extism_log_debug(str("debug line"));
  extism_log_info(str("info line"));
  extism_log_warn(str("warn line"));
  extism_log_error(str("error line"));
  int32_t level = extism_get_log_level();
  if (level < 0) return fail("get_log_level");
  extism_reset();
  if (extism_length(b) != 0) return fail("reset kept a block");
  if (extism_input_length() != 0) return fail("reset kept the input");
  return output("ok");
}

/* http_request: the input is Extism's request JSON; the output is
 * "<status>\n<headers JSON>\n<body>". */
EXPORT(http) int32_t http(void) {
  uint64_t body = extism_http_request(extism_input_offset(), 0);
  int32_t status = extism_http_status_code();
  uint64_t headers = extism_http_headers();
  static char buf[8192];
  char num[24];
  char* p = buf;
  const char* s = utoa((uint64_t)status, num + sizeof num);
  size_t len = strlen(s);
  memcpy(p, s, len);
  p += len;
  *p++ = '\n';
  if (headers) p += read_block(headers, p, 2048);
  *p++ = '\n';
  if (body) {
    uint64_t n = extism_length(body);
    if (n > 4096) n = 4096;
    read_block(body, p, n);
    p += n;
  }
  uint64_t o = block(buf, (uint64_t)(p - buf));
  extism_output_set(o, extism_length(o));
  return 0;
}

/* hookd's services through extism:host/user. */
EXPORT(kv_put_get) int32_t kv_put_get(void) {
  uint64_t key = str("greeting");
  hookd_kv_set(key, extism_input_offset());
  uint64_t v = hookd_kv_get(key);
  if (v == 0) return output("missing");
  extism_output_set(v, extism_length(v));
  return 0;
}
EXPORT(kv_missing) int32_t kv_missing(void) {
  return output(hookd_kv_get(str("no such key")) == 0 ? "none" : "found");
}
EXPORT(kv_hits) int32_t kv_hits(void) {
  int64_t n = hookd_kv_incr(str("hits"), 2);
  char num[24];
  return output(utoa((uint64_t)n, num + sizeof num));
}
EXPORT(kv_del) int32_t kv_del(void) { return output(hookd_kv_delete(str("greeting")) ? "1" : "0"); }
EXPORT(user_config) int32_t user_config(void) {
  uint64_t v = hookd_config_get(extism_input_offset());
  if (v == 0) return output("unset");
  extism_output_set(v, extism_length(v));
  return 0;
}
/* hookd.fetch's own request bytes in, its reply bytes out. */
EXPORT(user_fetch) int32_t user_fetch(void) {
  uint64_t r = hookd_fetch(extism_input_offset());
  extism_output_set(r, extism_length(r));
  return 0;
}
#endif /* HOOKD_EXTISM_KERNEL_ONLY */
