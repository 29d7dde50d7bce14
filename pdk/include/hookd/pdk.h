/*
 * hookd C PDK: write a plugin as a few functions registered in HOOKD_INIT().
 * The PDK (pdk/src/pdk.c) provides the ABI exports of docs/abi.md and wraps
 * the `hookd` imports; see pdk/README.md for the rules.
 *
 *   #include <hookd/pdk.h>
 *   static int echo(const uint8_t* in, size_t len) { return hookd_output(in, len); }
 *   HOOKD_INIT() { hookd_register("echo", echo, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES); }
 */
#ifndef HOOKD_PDK_H
#define HOOKD_PDK_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A plugin function: gets the input (valid for this call only) and returns
 * HOOKD_OK after hookd_output*() or HOOKD_ERROR after hookd_error*(). */
typedef int (*hookd_fn)(const uint8_t* input, size_t len);
/* The same with a context pointer (used by the C++ layer for closures). */
typedef int (*hookd_fn_ctx)(void* ctx, const uint8_t* input, size_t len);

/* Defines the plugin's init function, run once per instance by hookd_init.
 * Functions can only be registered from here. */
#ifdef __cplusplus
#define HOOKD_INIT() extern "C" void hookd_user_init(void)
#else
#define HOOKD_INIT() void hookd_user_init(void)
#endif
void hookd_user_init(void);

/* Registers `name` (1..128 bytes of [A-Za-z0-9_.-], must stay valid) with
 * the given HOOKD_FORMAT_* values. Returns 0 or a negative
 * HOOKD_REGISTER_* code (the failure is also logged at error level). */
int hookd_register(const char* name, hookd_fn fn, int in_format, int out_format);
int hookd_register_ctx(const char* name, hookd_fn_ctx fn, void* ctx, int in_format, int out_format);

/* Output. hookd_output does not copy: `p` must stay valid until the plugin is
 * next entered (input, static data, or memory the plugin frees later).
 * hookd_output_copy copies into a PDK buffer reused across calls.
 * hookd_output_str is hookd_output(s, strlen(s)), no copy.
 * All return HOOKD_OK (hookd_output_copy: HOOKD_ERROR when out of memory). */
int hookd_output(const void* p, size_t n);
int hookd_output_copy(const void* p, size_t n);
int hookd_output_str(const char* s);

/* Errors: the message is copied, so it may live on the stack. Status is an
 * HTTP-style code 400..599 the plugin asks for (0 = host default). All
 * return HOOKD_ERROR so a function can `return hookd_error("...");`. */
int hookd_error(const char* msg);
int hookd_error_status(int status, const char* msg);
int hookd_error_n(int status, const void* msg, size_t len);
int hookd_errorf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int hookd_error_statusf(int status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logging through the host (level HOOKD_LOG_*). */
void hookd_log(int level, const char* msg);
void hookd_log_n(int level, const void* msg, size_t len);
void hookd_logf(int level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
#define hookd_log_trace(msg) hookd_log(HOOKD_LOG_TRACE, (msg))
#define hookd_log_debug(msg) hookd_log(HOOKD_LOG_DEBUG, (msg))
#define hookd_log_info(msg) hookd_log(HOOKD_LOG_INFO, (msg))
#define hookd_log_warn(msg) hookd_log(HOOKD_LOG_WARN, (msg))
#define hookd_log_error(msg) hookd_log(HOOKD_LOG_ERROR, (msg))

/* Calls the host function `name` with `in`. Returns HOOKD_OK (*out holds the
 * result), HOOKD_ERROR (*out holds the error message) or HOOKD_HOST_NOT_FOUND
 * (*out = NULL). *out is malloc'd and NUL-terminated (not counted in
 * *out_len); the caller frees it. If the PDK cannot allocate the result it
 * returns HOOKD_ERROR with *out = NULL. */
int hookd_host_call(const char* name, const void* in, size_t in_len, uint8_t** out, size_t* out_len);

/* Two-step form for callers with their own buffers (the C++ layer): start the
 * call, then fetch the pending result (at most `cap` bytes; the rest of it is
 * dropped). Returns a HOOKD_HOST_* code and sets *result_len. */
int hookd_host_call_start(const char* name, size_t name_len, const void* in, size_t in_len,
                          size_t* result_len);
size_t hookd_host_result(void* dst, size_t cap);

/* One-crossing form: runs the call and, when the result fits in `cap` bytes,
 * copies it to `out`. *result_len gets its full length; a larger result stays
 * pending for hookd_host_result. Returns a HOOKD_HOST_* code. */
int hookd_host_call_into(const char* name, size_t name_len, const void* in, size_t in_len, void* out,
                         size_t cap, size_t* result_len);

/* Direct form: the host function reads its arguments from and writes its
 * results to guest memory at (ptr, len) itself, as that function defines (for
 * example hookd.kv.read). Returns a HOOKD_HOST_* code; on HOOKD_HOST_ERROR the
 * message is pending for hookd_host_result. */
int hookd_host_call_direct(const char* name, size_t name_len, void* ptr, size_t len);

/* The current call frame, for tests that need to write it directly. */
hookd_frame_t* hookd_current_frame(void);

#ifdef __cplusplus
}
#endif

#endif /* HOOKD_PDK_H */
