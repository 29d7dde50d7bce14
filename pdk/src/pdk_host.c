/* Plugin side of the built-in host functions: encodes requests in the wire
 * layout of docs/abi.md and decodes the replies; KV reads use the direct
 * form (hookd.kv.read), which needs no encoding. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char last_error[512];

const char* hookd_last_error(void) { return last_error; }

static int remember_error(const uint8_t* msg, size_t len) {
  if (len >= sizeof last_error) len = sizeof last_error - 1;
  if (msg) memcpy(last_error, msg, len);
  last_error[msg ? len : 0] = '\0';
  return HOOKD_ERROR;
}

/* Runs a host call; on success out and out_len hold the reply (caller frees). */
static int call(const char* name, const uint8_t* in, size_t in_len, uint8_t** out, size_t* out_len) {
  uint8_t* reply = NULL;
  size_t n = 0;
  int rc = hookd_host_call(name, in, in_len, &reply, &n);
  if (rc == HOOKD_HOST_NOT_FOUND) {
    free(reply);
    snprintf(last_error, sizeof last_error, "host function %s not available", name);
    return HOOKD_ERROR;
  }
  if (rc != HOOKD_HOST_OK) {
    remember_error(reply, reply ? n : 0);
    free(reply);
    return HOOKD_ERROR;
  }
  *out = reply;
  *out_len = n;
  return HOOKD_OK;
}

static void put_u32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

/* Host functions that look something up reply with a "found" byte and then
 * the value; this strips the byte and keeps the value NUL-terminated. */
static int lookup(const char* name, const char* key, size_t key_len, uint8_t** value, size_t* value_len) {
  uint8_t* reply;
  size_t n;
  if (call(name, (const uint8_t*)key, key_len, &reply, &n) != HOOKD_OK) return HOOKD_ERROR;
  if (n < 1 || reply[0] == 0) {
    free(reply);
    return HOOKD_NOT_FOUND;
  }
  memmove(reply, reply + 1, n - 1);
  reply[n - 1] = '\0';
  *value = reply;
  *value_len = n - 1;
  return HOOKD_OK;
}

/* hookd.kv.read (direct): the host reads the keys named by the descriptors
 * and copies each value straight into its buffer. hookd_kv_read_t is that
 * descriptor on wasm32: six little-endian u32 fields. */
_Static_assert(sizeof(void*) != 4 ||
                   (sizeof(hookd_kv_read_t) == 24 && offsetof(hookd_kv_read_t, key_len) == 4 &&
                    offsetof(hookd_kv_read_t, buf) == 8 && offsetof(hookd_kv_read_t, cap) == 12 &&
                    offsetof(hookd_kv_read_t, len) == 16 && offsetof(hookd_kv_read_t, found) == 20),
               "hookd_kv_read_t must match the hookd.kv.read descriptor");

static int kv_read(hookd_kv_read_t* reads, size_t n) {
  static const char name[] = "hookd.kv.read";
  int rc = hookd_host_call_direct(name, sizeof name - 1, reads, n);
  if (rc == HOOKD_HOST_OK) return HOOKD_OK;
  if (rc == HOOKD_HOST_NOT_FOUND) {
    snprintf(last_error, sizeof last_error, "host function %s not available", name);
    return HOOKD_ERROR;
  }
  size_t len = hookd_host_result(last_error, sizeof last_error - 1);
  last_error[len] = '\0';
  return HOOKD_ERROR;
}

int hookd_kv_get_into(const char* key, size_t key_len, void* buf, size_t cap, size_t* value_len) {
  hookd_kv_read_t read = {key, key_len, buf, cap, 0, 0};
  *value_len = 0;
  if (kv_read(&read, 1) != HOOKD_OK) return HOOKD_ERROR;
  if (!read.found) return HOOKD_NOT_FOUND;
  *value_len = read.len;
  return HOOKD_OK;
}

/* A malloc'd copy: read into a small buffer; a longer value is read again
 * into a buffer of its size (and again if it grew in between). */
int hookd_kv_get(const char* key, size_t key_len, uint8_t** value, size_t* value_len) {
  uint8_t small[256];
  hookd_kv_read_t read = {key, key_len, small, sizeof small, 0, 0};
  uint8_t* out = NULL;
  *value = NULL;
  *value_len = 0;
  for (;;) {
    int rc = kv_read(&read, 1);
    if (rc != HOOKD_OK || !read.found) {
      free(out);
      return rc != HOOKD_OK ? HOOKD_ERROR : HOOKD_NOT_FOUND;
    }
    if (read.len <= read.cap) break;
    uint8_t* grown = realloc(out, read.len + 1);
    if (!grown) {
      free(out);
      return remember_error((const uint8_t*)"out of memory", 13);
    }
    out = grown;
    read.buf = out;
    read.cap = read.len;
  }
  if (read.buf == small) {
    out = malloc(read.len + 1);
    if (!out) return remember_error((const uint8_t*)"out of memory", 13);
    memcpy(out, small, read.len);
  }
  out[read.len] = '\0';
  *value = out;
  *value_len = read.len;
  return HOOKD_OK;
}

int hookd_kv_get_many(hookd_kv_read_t* reads, size_t n) {
  if (n > 1000) return remember_error((const uint8_t*)"kv.get_many: at most 1000 keys", 30);
  return kv_read(reads, n);
}

int hookd_kv_set(const char* key, size_t key_len, const void* value, size_t value_len, uint64_t ttl_ms) {
  size_t len = 4 + key_len + 8 + value_len;
  uint8_t* req = malloc(len ? len : 1);
  if (!req) return remember_error((const uint8_t*)"out of memory", 13);
  put_u32(req, (uint32_t)key_len);
  memcpy(req + 4, key, key_len);
  memcpy(req + 4 + key_len, &ttl_ms, 8);
  if (value_len) memcpy(req + 12 + key_len, value, value_len);
  uint8_t* reply;
  size_t n;
  int rc = call("hookd.kv.set", req, len, &reply, &n);
  free(req);
  if (rc == HOOKD_OK) free(reply);
  return rc;
}

int hookd_kv_delete(const char* key, size_t key_len, int* existed) {
  uint8_t* reply;
  size_t n;
  if (call("hookd.kv.delete", (const uint8_t*)key, key_len, &reply, &n) != HOOKD_OK) return HOOKD_ERROR;
  if (existed) *existed = n >= 1 && reply[0] == 1;
  free(reply);
  return HOOKD_OK;
}

int hookd_kv_incr(const char* key, size_t key_len, int64_t delta, int64_t* value) {
  uint8_t* req = malloc(8 + key_len);
  if (!req) return remember_error((const uint8_t*)"out of memory", 13);
  memcpy(req, &delta, 8);
  memcpy(req + 8, key, key_len);
  uint8_t* reply;
  size_t n;
  int rc = call("hookd.kv.incr", req, 8 + key_len, &reply, &n);
  free(req);
  if (rc != HOOKD_OK) return rc;
  if (n != 8) {
    free(reply);
    return remember_error((const uint8_t*)"kv.incr: malformed reply", 24);
  }
  memcpy(value, reply, 8);
  free(reply);
  return HOOKD_OK;
}

int hookd_kv_cas(const char* key, size_t key_len, const void* expected, size_t expected_len,
                 const void* desired, size_t desired_len, int* swapped) {
  if (!expected) expected_len = 0;
  if (!desired) desired_len = 0;
  size_t len = 1 + 4 + key_len + 4 + expected_len + desired_len;
  uint8_t* req = malloc(len);
  if (!req) return remember_error((const uint8_t*)"out of memory", 13);
  req[0] = (uint8_t)((expected ? 1 : 0) | (desired ? 2 : 0));
  put_u32(req + 1, (uint32_t)key_len);
  memcpy(req + 5, key, key_len);
  put_u32(req + 5 + key_len, (uint32_t)expected_len);
  if (expected_len) memcpy(req + 9 + key_len, expected, expected_len);
  if (desired_len) memcpy(req + 9 + key_len + expected_len, desired, desired_len);
  uint8_t* reply;
  size_t n;
  int rc = call("hookd.kv.cas", req, len, &reply, &n);
  free(req);
  if (rc != HOOKD_OK) return rc;
  if (swapped) *swapped = n >= 1 && reply[0] == 1;
  free(reply);
  return HOOKD_OK;
}

int hookd_kv_list(const char* prefix, size_t prefix_len, const char* cursor, size_t cursor_len,
                  uint32_t limit, uint8_t** page, size_t* page_len) {
  size_t len = 4 + 4 + prefix_len + cursor_len;
  uint8_t* req = malloc(len);
  if (!req) return remember_error((const uint8_t*)"out of memory", 13);
  memcpy(req, &limit, 4);
  put_u32(req + 4, (uint32_t)prefix_len);
  memcpy(req + 8, prefix, prefix_len);
  if (cursor_len) memcpy(req + 8 + prefix_len, cursor, cursor_len);
  int rc = call("hookd.kv.list", req, len, page, page_len);
  free(req);
  return rc;
}

int hookd_kv_page_next(const uint8_t* page, size_t page_len, size_t* offset, const char** key,
                       size_t* key_len) {
  /* offset 0 means "start": skip the count. */
  if (*offset == 0) *offset = 4;
  uint32_t count;
  if (page_len < 4) return 0;
  memcpy(&count, page, 4);
  /* Count the keys already walked to know when to stop. */
  size_t pos = 4, seen = 0;
  while (pos < *offset && seen < count) {
    uint32_t n;
    memcpy(&n, page + pos, 4);
    pos += 4 + n;
    ++seen;
  }
  if (seen >= count || pos + 4 > page_len) return 0;
  uint32_t n;
  memcpy(&n, page + pos, 4);
  if (pos + 4 + n > page_len) return 0;
  *key = (const char*)page + pos + 4;
  *key_len = n;
  *offset = pos + 4 + n;
  return 1;
}

int hookd_config_get(const char* key, char** value, size_t* value_len) {
  return lookup("hookd.config.get", key, strlen(key), (uint8_t**)value, value_len);
}

static size_t put_str(uint8_t* p, const char* s, size_t n) {
  put_u32(p, (uint32_t)n);
  if (n) memcpy(p + 4, s, n);
  return 4 + n;
}

int hookd_fetch(const char* method, const char* url, const hookd_header* headers, size_t header_count,
                const void* body, size_t body_len, int* status, uint8_t** response_body,
                size_t* response_len) {
  size_t len = 4 + strlen(method) + 4 + strlen(url) + 4 + body_len;
  for (size_t i = 0; i < header_count; ++i) len += 8 + strlen(headers[i].name) + strlen(headers[i].value);
  uint8_t* req = malloc(len);
  if (!req) return remember_error((const uint8_t*)"out of memory", 13);
  size_t pos = put_str(req, method, strlen(method));
  pos += put_str(req + pos, url, strlen(url));
  put_u32(req + pos, (uint32_t)header_count);
  pos += 4;
  for (size_t i = 0; i < header_count; ++i) {
    pos += put_str(req + pos, headers[i].name, strlen(headers[i].name));
    pos += put_str(req + pos, headers[i].value, strlen(headers[i].value));
  }
  if (body_len) memcpy(req + pos, body, body_len);
  uint8_t* reply;
  size_t n;
  int rc = call("hookd.fetch", req, len, &reply, &n);
  free(req);
  if (rc != HOOKD_OK) return rc;
  /* Skip the status and response headers; keep the body. */
  size_t at = 8;
  uint32_t st, count;
  if (n < 8) goto malformed;
  memcpy(&st, reply, 4);
  memcpy(&count, reply + 4, 4);
  for (uint32_t i = 0; i < 2 * count; ++i) {
    uint32_t k;
    if (at + 4 > n) goto malformed;
    memcpy(&k, reply + at, 4);
    if (at + 4 + k > n) goto malformed;
    at += 4 + k;
  }
  memmove(reply, reply + at, n - at);
  reply[n - at] = '\0';
  *status = (int)st;
  *response_body = reply;
  *response_len = n - at;
  return HOOKD_OK;
malformed:
  free(reply);
  return remember_error((const uint8_t*)"fetch: malformed reply", 22);
}

/* ---- The HTTP exchange and crypto ---- */

/* Replies up to this size arrive on the stack in the call's own crossing
 * (hookd.host_call_into); a larger one stays pending for host_result. */
#define SMALL_REPLY 256

/* The pending error message of a failed host call, into last_error. */
static int pending_error(void) {
  size_t len = hookd_host_result(last_error, sizeof last_error - 1);
  last_error[len] = '\0';
  return HOOKD_ERROR;
}

static int not_available(const char* name) {
  snprintf(last_error, sizeof last_error, "host function %s not available", name);
  return HOOKD_ERROR;
}

/* Runs a host call with its reply in small[0..SMALL_REPLY): no allocation.
 * *n is the reply's length; one longer than SMALL_REPLY is still pending
 * (take it with hookd_host_result). Errors go to last_error. */
static int call_small(const char* name, const void* in, size_t in_len, uint8_t small[SMALL_REPLY],
                      size_t* n) {
  size_t rlen = 0;
  *n = 0;
  int rc = hookd_host_call_into(name, strlen(name), in, in_len, small, SMALL_REPLY, &rlen);
  if (rc == HOOKD_HOST_NOT_FOUND) return not_available(name);
  if (rc != HOOKD_HOST_OK) {
    if (rlen > SMALL_REPLY) return pending_error();
    return remember_error(small, rlen);
  }
  *n = rlen;
  return HOOKD_OK;
}

/* Copies a reply of `n` bytes into (buf, cap), snprintf style. */
static void copy_out(const uint8_t* reply, size_t n, char* buf, size_t cap, size_t* len) {
  if (buf && cap) memcpy(buf, reply, n < cap ? n : cap);
  *len = n;
}

/* A host function that answers with text. */
static int text_reply(const char* name, const void* in, size_t in_len, char* buf, size_t cap, size_t* len) {
  uint8_t small[SMALL_REPLY];
  size_t n;
  *len = 0;
  if (call_small(name, in, in_len, small, &n) != HOOKD_OK) return HOOKD_ERROR;
  if (n <= SMALL_REPLY) {
    copy_out(small, n, buf, cap, len);
  } else {
    /* Straight into buf; host_result takes what fits and drops the rest. */
    hookd_host_result(buf && cap ? buf : NULL, buf && cap ? cap : 0);
    *len = n;
  }
  return HOOKD_OK;
}

/* A host function that answers u8 found, then the text. */
static int found_reply(const char* name, const void* in, size_t in_len, char* buf, size_t cap, size_t* len) {
  uint8_t small[SMALL_REPLY];
  size_t n;
  *len = 0;
  if (call_small(name, in, in_len, small, &n) != HOOKD_OK) return HOOKD_ERROR;
  const uint8_t* reply = small;
  uint8_t* large = NULL;
  if (n > SMALL_REPLY) {
    /* Rare (a value over 255 bytes): the found byte comes first, so the
     * reply goes through a buffer of its own. */
    large = malloc(n);
    if (!large) {
      hookd_host_result(NULL, 0); /* drop the pending reply */
      return remember_error((const uint8_t*)"out of memory", 13);
    }
    n = hookd_host_result(large, n);
    reply = large;
  }
  int rc = HOOKD_NOT_FOUND;
  if (n >= 1 && reply[0] != 0) {
    copy_out(reply + 1, n - 1, buf, cap, len);
    rc = HOOKD_OK;
  }
  free(large);
  return rc;
}

int hookd_request_method(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.method", NULL, 0, buf, cap, len);
}
int hookd_request_path(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.path", NULL, 0, buf, cap, len);
}
int hookd_request_path_decoded(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.path_decoded", NULL, 0, buf, cap, len);
}
int hookd_request_query(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.query", NULL, 0, buf, cap, len);
}
int hookd_request_client_address(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.client_address", NULL, 0, buf, cap, len);
}
int hookd_request_id(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.id", NULL, 0, buf, cap, len);
}
int hookd_request_traceparent(char* buf, size_t cap, size_t* len) {
  return text_reply("hookd.request.traceparent", NULL, 0, buf, cap, len);
}
int hookd_request_query_param(const char* name, char* buf, size_t cap, size_t* len) {
  return found_reply("hookd.request.query_param", name, strlen(name), buf, cap, len);
}
int hookd_route_param(const char* name, char* buf, size_t cap, size_t* len) {
  return found_reply("hookd.request.route_param", name, strlen(name), buf, cap, len);
}

/* hookd.request.header through host_call (u32 index, name (rest)): for a
 * host without the direct form. */
static int request_header_encoded(const char* name, size_t name_len, size_t index, char* buf, size_t cap,
                                  size_t* len) {
  uint8_t stack_in[SMALL_REPLY];
  uint8_t* in = stack_in;
  if (name_len > sizeof stack_in - 4) {
    in = malloc(4 + name_len);
    if (!in) return remember_error((const uint8_t*)"out of memory", 13);
  }
  put_u32(in, (uint32_t)index);
  memcpy(in + 4, name, name_len);
  int rc = found_reply("hookd.request.header", in, 4 + name_len, buf, cap, len);
  if (in != stack_in) free(in);
  return rc;
}

/* hookd.request.header (direct): the host reads the name in place and copies
 * the value straight into buf; the descriptor is seven little-endian u32:
 * name_ptr, name_len, index, buf_ptr, cap, then len and found (the host's). */
int hookd_request_header_n(const char* name, size_t name_len, size_t index, char* buf, size_t cap,
                           size_t* len) {
  static const char fn[] = "hookd.request.header";
  if (!buf) cap = 0;
  uint32_t d[7] = {(uint32_t)(uintptr_t)name,
                   (uint32_t)name_len,
                   (uint32_t)index,
                   (uint32_t)(uintptr_t)buf,
                   (uint32_t)cap,
                   0,
                   0};
  *len = 0;
  int rc = hookd_host_call_direct(fn, sizeof fn - 1, d, 1);
  if (rc == HOOKD_HOST_NOT_FOUND) return request_header_encoded(name, name_len, index, buf, cap, len);
  if (rc != HOOKD_HOST_OK) return pending_error();
  if (!d[6]) return HOOKD_NOT_FOUND;
  *len = d[5];
  return HOOKD_OK;
}

int hookd_request_header(const char* name, size_t index, char* buf, size_t cap, size_t* len) {
  return hookd_request_header_n(name, strlen(name), index, buf, cap, len);
}

int hookd_request_headers(uint8_t** raw, size_t* raw_len) {
  return call("hookd.request.headers", NULL, 0, raw, raw_len);
}

/* The block is u32 count, then count x (str name, str value). */
int hookd_request_headers_next(const uint8_t* raw, size_t raw_len, size_t* offset,
                               hookd_header_view* header) {
  size_t at = *offset < 4 ? 4 : *offset;
  uint32_t n;
  for (int field = 0; field < 2; ++field) {
    if (raw_len < 4 || raw_len - at < 4) return 0;
    memcpy(&n, raw + at, 4);
    at += 4;
    if (raw_len - at < n) return 0;
    if (field == 0) {
      header->name = (const char*)raw + at;
      header->name_len = n;
    } else {
      header->value = (const char*)raw + at;
      header->value_len = n;
    }
    at += n;
  }
  *offset = at;
  return 1;
}

/* Runs a host call whose reply is empty or `want` bytes (at most
 * SMALL_REPLY) copied to dst. */
static int call_fixed(const char* name, const uint8_t* in, size_t in_len, void* dst, size_t want) {
  uint8_t small[SMALL_REPLY];
  size_t n;
  if (call_small(name, in, in_len, small, &n) != HOOKD_OK) return HOOKD_ERROR;
  if (n != want) {
    if (n > SMALL_REPLY) hookd_host_result(NULL, 0); /* drop the pending reply */
    return remember_error((const uint8_t*)"malformed reply", 15);
  }
  if (want) memcpy(dst, small, want);
  return HOOKD_OK;
}

int hookd_response_set_status(int status) {
  uint8_t in[4];
  /* A negative status reaches the host as a huge one, which it refuses. */
  put_u32(in, (uint32_t)status);
  return call_fixed("hookd.response.status", in, 4, NULL, 0);
}

/* A str (u32 length, bytes) and then the rest: the layout of
 * hookd.response.header, hookd.crypto.hmac_sha256 and hookd.crypto.equal. */
static int call_str_rest(const char* name, const void* a, size_t a_len, const void* b, size_t b_len,
                         void* dst, size_t want) {
  if (a_len > UINT32_MAX || b_len > SIZE_MAX - 4 - a_len)
    return remember_error((const uint8_t*)"too large", 9);
  uint8_t stack_in[SMALL_REPLY];
  uint8_t* in = stack_in;
  if (4 + a_len + b_len > sizeof stack_in) {
    in = malloc(4 + a_len + b_len);
    if (!in) return remember_error((const uint8_t*)"out of memory", 13);
  }
  put_u32(in, (uint32_t)a_len);
  if (a_len) memcpy(in + 4, a, a_len);
  if (b_len) memcpy(in + 4 + a_len, b, b_len);
  int rc = call_fixed(name, in, 4 + a_len + b_len, dst, want);
  if (in != stack_in) free(in);
  return rc;
}

/* hookd.response.header (direct): the host reads the name and the value in
 * place; the descriptor is four little-endian u32: name_ptr, name_len,
 * value_ptr, value_len. */
int hookd_response_add_header_n(const char* name, size_t name_len, const void* value, size_t value_len) {
  static const char fn[] = "hookd.response.header";
  if (name_len > UINT32_MAX || value_len > UINT32_MAX) return remember_error((const uint8_t*)"too large", 9);
  uint32_t d[4] = {(uint32_t)(uintptr_t)name, (uint32_t)name_len, (uint32_t)(uintptr_t)value,
                   (uint32_t)value_len};
  int rc = hookd_host_call_direct(fn, sizeof fn - 1, d, 1);
  if (rc == HOOKD_HOST_NOT_FOUND) return call_str_rest(fn, name, name_len, value, value_len, NULL, 0);
  if (rc != HOOKD_HOST_OK) return pending_error();
  return HOOKD_OK;
}
int hookd_response_add_header(const char* name, const char* value) {
  return hookd_response_add_header_n(name, strlen(name), value, strlen(value));
}

int hookd_sha256(const void* data, size_t len, uint8_t digest[HOOKD_SHA256_BYTES]) {
  return call_fixed("hookd.crypto.sha256", (const uint8_t*)data, len, digest, HOOKD_SHA256_BYTES);
}
int hookd_hmac_sha256(const void* key, size_t key_len, const void* msg, size_t msg_len,
                      uint8_t mac[HOOKD_SHA256_BYTES]) {
  return call_str_rest("hookd.crypto.hmac_sha256", key, key_len, msg, msg_len, mac, HOOKD_SHA256_BYTES);
}
int hookd_constant_time_equal(const void* a, size_t a_len, const void* b, size_t b_len, int* equal) {
  uint8_t same = 0;
  int rc = call_str_rest("hookd.crypto.equal", a, a_len, b, b_len, &same, 1);
  *equal = rc == HOOKD_OK && same == 1;
  return rc;
}
