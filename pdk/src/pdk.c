/*
 * hookd C PDK: the plugin side of docs/abi.md (exports + import wrappers).
 * The per-call path (hookd_input when the buffer is big enough, hookd_call,
 * hookd_output) never allocates, so an echo plugin costs one host copy in and
 * one host copy out. printf-style helpers live in separate functions so
 * plugins that do not use them are not linked against vfprintf.
 */
#include "hookd/pdk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOKD_IMPORT(name) __attribute__((import_module("hookd"), import_name(name)))
#define HOOKD_EXPORT(name) __attribute__((export_name(name)))

/* Imports: wasm32 pointers and lengths are i32. */
HOOKD_IMPORT("register_function")
int32_t hookd__imp_register_function(const char* name, uint32_t name_len, uint32_t fn_id, uint32_t flags);
HOOKD_IMPORT("log") void hookd__imp_log(int32_t level, const void* msg, uint32_t len);
HOOKD_IMPORT("host_call")
int32_t hookd__imp_host_call(const char* name, uint32_t name_len, const void* in, uint32_t in_len,
                             uint32_t* result_len);
HOOKD_IMPORT("host_call_into")
int32_t hookd__imp_host_call_into(const char* name, uint32_t name_len, const void* in, uint32_t in_len,
                                  void* out, uint32_t out_cap, uint32_t* result_len);
HOOKD_IMPORT("host_call_direct")
int32_t hookd__imp_host_call_direct(const char* name, uint32_t name_len, void* ptr, uint32_t len);
HOOKD_IMPORT("host_result") uint32_t hookd__imp_host_result(void* dst, uint32_t dst_len);

/* ---- state ---- */

typedef struct {
  const char* name;
  hookd_fn fn;      /* plain C function, or */
  hookd_fn_ctx fnc; /* closure-style function with ctx */
  void* ctx;
} entry_t;

/* A heap buffer that is reused across calls and only grows. */
typedef struct {
  uint8_t* p;
  size_t cap;
} buf_t;

enum { SET_NONE, SET_OUTPUT, SET_ERROR };

static hookd_frame_t frame;
static entry_t* entries;
static uint32_t n_entries, cap_entries;
static int in_init;
static int last_set; /* what the running function last put in the frame */
static buf_t input_buf, output_buf, error_buf;

/* Makes `b` hold a copy of p[0..n) (p may point into b itself). */
static int buf_assign(buf_t* b, const void* p, size_t n) {
  if (n <= b->cap && b->p) {
    memmove(b->p, p, n);
    return 0;
  }
  uint8_t* np = malloc(n ? n : 1);
  if (!np) return -1;
  memcpy(np, p, n);
  free(b->p); /* after the copy: p may have pointed into the old block */
  b->p = np;
  b->cap = n;
  return 0;
}

/* ---- exports ---- */

HOOKD_EXPORT("hookd_abi_version") int32_t hookd__abi_version(void) { return HOOKD_ABI_VERSION; }

HOOKD_EXPORT("hookd_init") void hookd__init(void) {
  static int done;
  if (done) return;
  done = 1;
  in_init = 1;
  hookd_user_init();
  in_init = 0;
}

HOOKD_EXPORT("hookd_frame") int32_t hookd__frame(void) { return (int32_t)(uintptr_t)&frame; }

HOOKD_EXPORT("hookd_input") int32_t hookd__input(int32_t capacity) {
  size_t want = (uint32_t)capacity;
  if (input_buf.p && want <= input_buf.cap) return (int32_t)(uintptr_t)input_buf.p;
  /* Free first: the old contents are not needed and this lowers the peak. */
  free(input_buf.p);
  input_buf.cap = 0;
  input_buf.p = malloc(want ? want : 1);
  if (!input_buf.p) return 0;
  input_buf.cap = want;
  return (int32_t)(uintptr_t)input_buf.p;
}

/* Tiny message builder for the core paths, which must not pull in printf. */
typedef struct {
  char s[192];
  size_t n;
} msg_t;

static void msg_str(msg_t* m, const char* s) {
  while (*s && m->n < sizeof m->s) m->s[m->n++] = *s++;
}

static void msg_int(msg_t* m, int32_t v) {
  char tmp[12];
  size_t n = 0;
  uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  do tmp[n++] = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0) tmp[n++] = '-';
  while (n && m->n < sizeof m->s) m->s[m->n++] = tmp[--n];
}

HOOKD_EXPORT("hookd_call")
int32_t hookd__call(int32_t fn_id, int32_t in_ptr, int32_t in_len) {
  frame.out_ptr = frame.out_len = frame.status = 0;
  last_set = SET_NONE;
  uint32_t id = (uint32_t)fn_id;
  if (id >= n_entries) {
    msg_t m = {.n = 0};
    msg_str(&m, "unknown function id ");
    msg_int(&m, fn_id);
    return hookd_error_n(0, m.s, m.n);
  }
  const entry_t* e = &entries[id];
  const uint8_t* in = (const uint8_t*)(uintptr_t)(uint32_t)in_ptr;
  size_t len = (uint32_t)in_len;
  int rc = e->fnc ? e->fnc(e->ctx, in, len) : e->fn(in, len);
  /* An explicit hookd_error wins over a HOOKD_OK return; anything else is
   * mapped to the two valid codes so the host never sees a protocol error
   * caused by a sloppy plugin. */
  if (last_set == SET_ERROR) return HOOKD_ERROR;
  if (rc == HOOKD_OK) return HOOKD_OK;
  if (rc == HOOKD_ERROR)
    return hookd_error_status((int)frame.status, "function failed without an error message");
  msg_t m = {.n = 0};
  msg_str(&m, "function ");
  msg_str(&m, e->name);
  msg_str(&m, " returned invalid result code ");
  msg_int(&m, rc);
  return hookd_error_n(0, m.s, m.n);
}

/* ---- registration ---- */

static int do_register(const char* name, hookd_fn fn, hookd_fn_ctx fnc, void* ctx, int in_format,
                       int out_format) {
  if (!name || (!fn && !fnc)) return HOOKD_REGISTER_BAD_NAME;
  if (n_entries == cap_entries) {
    uint32_t ncap = cap_entries ? cap_entries * 2 : 8;
    entry_t* ne = realloc(entries, ncap * sizeof *ne);
    if (!ne) return HOOKD_REGISTER_BAD_NAME;
    entries = ne;
    cap_entries = ncap;
  }
  /* The host validates the name and the init phase; ids stay dense because
   * only accepted registrations take a slot. */
  int32_t rc = hookd__imp_register_function(name, (uint32_t)strlen(name), n_entries,
                                            HOOKD_FLAGS(in_format, out_format));
  if (rc != 0) {
    msg_t m = {.n = 0};
    msg_str(&m, "register_function(\"");
    msg_str(&m, name);
    msg_str(&m, "\") failed: ");
    msg_int(&m, rc);
    if (!in_init) msg_str(&m, " (outside HOOKD_INIT)");
    hookd__imp_log(HOOKD_LOG_ERROR, m.s, (uint32_t)m.n);
    return rc;
  }
  entries[n_entries++] = (entry_t){name, fn, fnc, ctx};
  return 0;
}

int hookd_register(const char* name, hookd_fn fn, int in_format, int out_format) {
  return do_register(name, fn, NULL, NULL, in_format, out_format);
}

int hookd_register_ctx(const char* name, hookd_fn_ctx fnc, void* ctx, int in_format, int out_format) {
  return do_register(name, NULL, fnc, ctx, in_format, out_format);
}

/* ---- output and errors ---- */

hookd_frame_t* hookd_current_frame(void) { return &frame; }

int hookd_output(const void* p, size_t n) {
  frame.out_ptr = (uint32_t)(uintptr_t)p;
  frame.out_len = (uint32_t)n;
  frame.status = 0;
  last_set = SET_OUTPUT;
  return HOOKD_OK;
}

int hookd_output_copy(const void* p, size_t n) {
  if (buf_assign(&output_buf, p, n) != 0) return hookd_error_status(500, "out of memory");
  return hookd_output(output_buf.p, n);
}

int hookd_output_str(const char* s) { return hookd_output(s, s ? strlen(s) : 0); }

int hookd_error_n(int status, const void* msg, size_t len) {
  static const char oom[] = "out of memory (while reporting an error)";
  if (!msg) msg = "unknown error", len = strlen("unknown error");
  if (buf_assign(&error_buf, msg, len) == 0) {
    frame.out_ptr = (uint32_t)(uintptr_t)error_buf.p;
    frame.out_len = (uint32_t)len;
  } else {
    frame.out_ptr = (uint32_t)(uintptr_t)oom;
    frame.out_len = sizeof oom - 1;
  }
  frame.status = (uint32_t)status;
  last_set = SET_ERROR;
  return HOOKD_ERROR;
}

int hookd_error_status(int status, const char* msg) {
  return hookd_error_n(status, msg, msg ? strlen(msg) : 0);
}

int hookd_error(const char* msg) { return hookd_error_status(0, msg); }

/* Formats into a malloc'd string; NULL when out of memory. */
static char* vformat(const char* fmt, va_list ap, size_t* len) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char* s = malloc((size_t)n + 1);
  if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
  *len = (size_t)n;
  return s;
}

static int verror(int status, const char* fmt, va_list ap) {
  size_t len = 0;
  char* s = vformat(fmt, ap, &len);
  if (!s) return hookd_error_status(status, fmt); /* better than nothing */
  hookd_error_n(status, s, len);
  free(s);
  return HOOKD_ERROR;
}

int hookd_errorf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verror(0, fmt, ap);
  va_end(ap);
  return HOOKD_ERROR;
}

int hookd_error_statusf(int status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verror(status, fmt, ap);
  va_end(ap);
  return HOOKD_ERROR;
}

/* ---- logging ---- */

void hookd_log_n(int level, const void* msg, size_t len) { hookd__imp_log(level, msg, (uint32_t)len); }

void hookd_log(int level, const char* msg) {
  if (msg) hookd__imp_log(level, msg, (uint32_t)strlen(msg));
}

void hookd_logf(int level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t len = 0;
  char* s = vformat(fmt, ap, &len);
  va_end(ap);
  if (s)
    hookd__imp_log(level, s, (uint32_t)len);
  else
    hookd_log(level, fmt);
  free(s);
}

/* ---- host calls ---- */

int hookd_host_call_start(const char* name, size_t name_len, const void* in, size_t in_len,
                          size_t* result_len) {
  uint32_t rlen = 0;
  int32_t rc = hookd__imp_host_call(name, (uint32_t)name_len, in, (uint32_t)in_len, &rlen);
  *result_len = rc == HOOKD_HOST_NOT_FOUND ? 0 : rlen;
  return rc;
}

size_t hookd_host_result(void* dst, size_t cap) { return hookd__imp_host_result(dst, (uint32_t)cap); }

int hookd_host_call_into(const char* name, size_t name_len, const void* in, size_t in_len, void* out,
                         size_t cap, size_t* result_len) {
  uint32_t rlen = 0;
  int32_t rc =
      hookd__imp_host_call_into(name, (uint32_t)name_len, in, (uint32_t)in_len, out, (uint32_t)cap, &rlen);
  *result_len = rc == HOOKD_HOST_NOT_FOUND ? 0 : rlen;
  return rc;
}

int hookd_host_call_direct(const char* name, size_t name_len, void* ptr, size_t len) {
  return hookd__imp_host_call_direct(name, (uint32_t)name_len, ptr, (uint32_t)len);
}

int hookd_host_call(const char* name, const void* in, size_t in_len, uint8_t** out, size_t* out_len) {
  uint8_t small[256]; /* most results arrive in the same crossing */
  size_t rlen = 0;
  *out = NULL;
  *out_len = 0;
  int rc = hookd_host_call_into(name, strlen(name), in, in_len, small, sizeof small, &rlen);
  if (rc == HOOKD_HOST_NOT_FOUND) return rc;
  uint8_t* buf = malloc(rlen + 1);
  if (!buf) {
    if (rlen > sizeof small) hookd__imp_host_result(NULL, 0); /* drop the pending result */
    return HOOKD_ERROR;
  }
  size_t n = rlen;
  if (rlen <= sizeof small) {
    memcpy(buf, small, rlen);
  } else {
    n = hookd__imp_host_result(buf, (uint32_t)rlen);
  }
  buf[n] = 0;
  *out = buf;
  *out_len = n;
  return rc == HOOKD_HOST_OK ? HOOKD_OK : HOOKD_ERROR;
}
