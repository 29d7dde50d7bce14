/*
 * The built-in host services a plugin may be granted: key-value storage and
 * configuration values (docs/abi.md, "Built-in host functions"). Each call
 * goes through hookd.host_call; what the plugin is not granted fails with
 * HOOKD_ERROR and a message from hookd_last_error(), never a trap.
 *
 * Keys are namespaced per plugin by the host; a plugin cannot name another
 * plugin's namespace.
 */
#ifndef HOOKD_PDK_HOST_H
#define HOOKD_PDK_HOST_H

#include <hookd/abi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by lookups that found nothing (not an error). */
#define HOOKD_NOT_FOUND 3

/* The message of the last HOOKD_ERROR from these functions (static storage,
 * valid until the next call). */
const char* hookd_last_error(void);

/* *value is malloc'd (free it) and NUL-terminated (not counted in *value_len).
 * Returns HOOKD_OK, HOOKD_NOT_FOUND or HOOKD_ERROR. */
int hookd_kv_get(const char* key, size_t key_len, uint8_t** value, size_t* value_len);
/* The same read without an allocation: copies at most `cap` bytes of the
 * value into buf and sets *value_len to its full length (larger than cap when
 * the value was cut short, as snprintf does). Returns HOOKD_OK,
 * HOOKD_NOT_FOUND or HOOKD_ERROR. */
int hookd_kv_get_into(const char* key, size_t key_len, void* buf, size_t cap, size_t* value_len);
/* Several reads in one host call, from one snapshot of the store (at most
 * 1000). Fill key/key_len/buf/cap of each entry; on HOOKD_OK every entry has
 * found (1 or 0) and len (the value's full length; min(len, cap) bytes were
 * copied to buf). HOOKD_ERROR: nothing was read (see hookd_last_error). */
typedef struct {
  const char* key;
  size_t key_len;
  void* buf;
  size_t cap;
  size_t len;
  int found;
} hookd_kv_read_t;
int hookd_kv_get_many(hookd_kv_read_t* reads, size_t n);

/* ttl_ms 0: no expiry. */
int hookd_kv_set(const char* key, size_t key_len, const void* value, size_t value_len, uint64_t ttl_ms);
/* *existed (may be NULL) tells whether the key was there. */
int hookd_kv_delete(const char* key, size_t key_len, int* existed);
/* Adds delta (a missing key counts as 0) and stores the result in *value. */
int hookd_kv_incr(const char* key, size_t key_len, int64_t delta, int64_t* value);
/* Compare-and-set: expected NULL means "must not exist", desired NULL means
 * "delete". *swapped tells whether the value matched and was replaced. */
int hookd_kv_cas(const char* key, size_t key_len, const void* expected, size_t expected_len,
                 const void* desired, size_t desired_len, int* swapped);
/* One page of keys starting with `prefix`, after `cursor` (empty for the
 * first page). *page is the raw page (u32 count, then u32-length-prefixed
 * keys, then u8 has_next and the next cursor); walk it with
 * hookd_kv_page_next. Free the page. */
int hookd_kv_list(const char* prefix, size_t prefix_len, const char* cursor, size_t cursor_len,
                  uint32_t limit, uint8_t** page, size_t* page_len);
/* Iterates a page: returns 1 and sets key and key_len while keys remain. */
int hookd_kv_page_next(const uint8_t* page, size_t page_len, size_t* offset, const char** key,
                       size_t* key_len);

/* The plugin's configured value for `key`: HOOKD_OK, HOOKD_NOT_FOUND or
 * HOOKD_ERROR (config not granted). *value is malloc'd and NUL-terminated. */
int hookd_config_get(const char* key, char** value, size_t* value_len);

/* Outbound HTTP(S) to the hosts the plugin's fetch grant allows. The host
 * sets Host and Content-Length, follows redirects and enforces timeouts and
 * size limits. *response_body is malloc'd and NUL-terminated (free it).
 * Returns HOOKD_OK (with *status) or HOOKD_ERROR (not granted, not allowed,
 * blocked address, timeout, ...; see hookd_last_error()). */
typedef struct hookd_header {
  const char* name;
  const char* value;
} hookd_header;
int hookd_fetch(const char* method, const char* url, const hookd_header* headers, size_t header_count,
                const void* body, size_t body_len, int* status, uint8_t** response_body,
                size_t* response_len);

/* A header as hookd_request_headers_next finds it: views into the raw block. */
typedef struct hookd_header_view {
  const char* name;
  size_t name_len;
  const char* value;
  size_t value_len;
} hookd_header_view;

/* ---- The HTTP request this call answers, and the response it shapes ----
 * (docs/abi.md, "The HTTP exchange"). The request is read when asked, never
 * before. Functions that return text copy at most `cap` bytes into buf and set
 * *len to the full length (larger than cap when cut short, as snprintf does;
 * buf is not NUL-terminated). They return HOOKD_OK, HOOKD_NOT_FOUND (an absent
 * header or parameter) or HOOKD_ERROR (the call has no HTTP request; see
 * hookd_last_error()). */
int hookd_request_method(char* buf, size_t cap, size_t* len);
/* The path as received (percent-escapes kept), and decoded. */
int hookd_request_path(char* buf, size_t cap, size_t* len);
int hookd_request_path_decoded(char* buf, size_t cap, size_t* len);
/* The query string without its '?' (empty when there is none). */
int hookd_request_query(char* buf, size_t cap, size_t* len);
/* The first value of a query parameter, decoded ('+' is a space). */
int hookd_request_query_param(const char* name, char* buf, size_t cap, size_t* len);
/* A parameter of the route that matched (for example "id" of /users/{id}). */
int hookd_route_param(const char* name, char* buf, size_t cap, size_t* len);
/* The index-th (0 = first) value of header `name`, compared without regard to
 * case; a header sent twice has indexes 0 and 1. */
int hookd_request_header(const char* name, size_t index, char* buf, size_t cap, size_t* len);
/* The same with the name's length given (no strlen; the name need not end in NUL). */
int hookd_request_header_n(const char* name, size_t name_len, size_t index, char* buf, size_t cap,
                           size_t* len);
/* Every header, in the order received: *raw is malloc'd (free it); walk it
 * with hookd_request_headers_next. */
int hookd_request_headers(uint8_t** raw, size_t* raw_len);
int hookd_request_headers_next(const uint8_t* raw, size_t raw_len, size_t* offset, hookd_header_view* header);
int hookd_request_client_address(char* buf, size_t cap, size_t* len);
int hookd_request_id(char* buf, size_t cap, size_t* len);
/* The call's span as a W3C traceparent ("00-<trace id>-<span id>-<flags>",
 * 55 characters) when hookd's tracing is on, else empty (*len 0). Send it
 * on requests made other than through hookd_fetch (which adds it itself). */
int hookd_request_traceparent(char* buf, size_t cap, size_t* len);

/* The response: a status of 100-599 and headers (repeated names kept, as
 * Set-Cookie needs). The host refuses a bad name, CR/LF/NUL in a value, the
 * headers it owns (Content-Length, Transfer-Encoding, Connection, ...), more
 * than 100 headers or 64 KiB of them: HOOKD_ERROR, see hookd_last_error().
 * The body is what the function returns; set Content-Type here to say what it
 * is. Ignored when the call fails. */
int hookd_response_set_status(int status);
int hookd_response_add_header(const char* name, const char* value);
int hookd_response_add_header_n(const char* name, size_t name_len, const void* value, size_t value_len);

/* ---- Crypto (the crypto grant) ----
 * Digests are 32 raw bytes. hookd_constant_time_equal sets *equal to 1 when
 * the two byte strings are the same, in a time that does not depend on where
 * they differ (compare MACs with it, never with memcmp). */
#define HOOKD_SHA256_BYTES 32
int hookd_sha256(const void* data, size_t len, uint8_t digest[HOOKD_SHA256_BYTES]);
int hookd_hmac_sha256(const void* key, size_t key_len, const void* msg, size_t msg_len,
                      uint8_t mac[HOOKD_SHA256_BYTES]);
int hookd_constant_time_equal(const void* a, size_t a_len, const void* b, size_t b_len, int* equal);

#ifdef __cplusplus
}
#endif

#endif /* HOOKD_PDK_HOST_H */
