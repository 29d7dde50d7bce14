/* exchange: a plugin as an HTTP handler, through the C PDK. Functions:
 *   redirect     reads the method, header X-Token (every value, any case), the
 *                query parameter q, the route parameter id and the decoded
 *                path; answers 302 with two Set-Cookie and a Location, and a
 *                body describing what it read
 *   reads        reads the request without shaping the response: "<method> <id>"
 *   headers      every request header, "name: value" lines
 *   header_count how many headers hookd_request_headers walked
 *   status       sets the status given as decimal text: "ok" or "error: ..."
 *   add_header   input "name\nvalue": "ok" or "error: ..."
 *   add_twice    the same, twice
 *   add_many     adds "X-N: n" until refused, at most the count given:
 *                "<added> <error>"
 *   sha256, hmac hex digests; hmac input: u32 key length, key, message
 *   equal        input: u32 a length, a, b: "1" or "0"
 *   oob          hookd.host_call with an input pointer past memory (traps)
 *   no_request   hookd_request_method on a call without a request
 *   route_id     the method, path and route parameter id, and the input
 *   header_cut   header <input> read into 4 bytes: "found=<0|1> len=<full length> head=<what fit>"
 *   direct_oob   hookd.host_call_direct with one pointer past memory (traps):
 *                input "table", "name", "buffer" (request.header) or
 *                "response_table", "value" (response.header)
 *   direct_too_many  hookd.request.header direct with 101 descriptors
 *   add_pair     response.header direct with two descriptors, X-First then
 *                the input as a name: "ok" or "error: ..." */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ok.h"

static char body[4096];

static int fail_with_last_error(void) {
  return hookd_output(body, (size_t)snprintf(body, sizeof body, "error: %s", hookd_last_error()));
}

static int redirect(const uint8_t* in, size_t len) {
  char method[16], token0[64], token1[64], q[64], id[32], path[128];
  size_t method_n, token0_n = 0, token1_n = 0, q_n = 0, id_n = 0, path_n;
  if (hookd_request_method(method, sizeof method, &method_n) != HOOKD_OK) return fail_with_last_error();
  hookd_request_header("x-TOKEN", 0, token0, sizeof token0, &token0_n);
  hookd_request_header("X-Token", 1, token1, sizeof token1, &token1_n);
  int has_q = hookd_request_query_param("q", q, sizeof q, &q_n) == HOOKD_OK;
  if (hookd_route_param("id", id, sizeof id, &id_n) != HOOKD_OK) return hookd_error("no route parameter id");
  if (hookd_request_path_decoded(path, sizeof path, &path_n) != HOOKD_OK) return fail_with_last_error();
  int missing = hookd_request_header("X-Token", 2, token1, sizeof token1, &(size_t){0});

  char location[64];
  snprintf(location, sizeof location, "/users/%.*s", (int)id_n, id);
  if (hookd_response_set_status(302) != HOOKD_OK ||
      hookd_response_add_header("Set-Cookie", "a=1; Path=/") != HOOKD_OK ||
      hookd_response_add_header("Set-Cookie", "b=2; HttpOnly") != HOOKD_OK ||
      hookd_response_add_header("Location", location) != HOOKD_OK ||
      hookd_response_add_header("Content-Type", "text/plain") != HOOKD_OK) {
    return fail_with_last_error();
  }
  return hookd_output(
      body, (size_t)snprintf(body, sizeof body, "%.*s token=%.*s,%.*s third=%s q=%s%.*s id=%.*s path=%.*s",
                             (int)method_n, method, (int)token0_n, token0, (int)token1_n, token1,
                             missing == HOOKD_NOT_FOUND ? "none" : "?", has_q ? "" : "(none)", (int)q_n, q,
                             (int)id_n, id, (int)path_n, path));
}

/* Reads without shaping the response: method, decoded path, a query and a
 * route parameter, two header values. Answers "<method> <id>". */
static int reads(const uint8_t* in, size_t len) {
  char method[16], path[128], q[64], id[32], token[64];
  size_t method_n, path_n, q_n, id_n, token_n;
  if (hookd_request_method(method, sizeof method, &method_n) != HOOKD_OK ||
      hookd_request_path_decoded(path, sizeof path, &path_n) != HOOKD_OK ||
      hookd_request_query_param("q", q, sizeof q, &q_n) != HOOKD_OK ||
      hookd_route_param("id", id, sizeof id, &id_n) != HOOKD_OK ||
      hookd_request_header("x-token", 0, token, sizeof token, &token_n) != HOOKD_OK ||
      hookd_request_header("X-TOKEN", 1, token, sizeof token, &token_n) != HOOKD_OK) {
    return fail_with_last_error();
  }
  return hookd_output(body,
                      (size_t)snprintf(body, sizeof body, "%.*s %.*s", (int)method_n, method, (int)id_n, id));
}

static int headers(const uint8_t* in, size_t len) {
  uint8_t* raw;
  size_t raw_len, offset = 0, at = 0;
  if (hookd_request_headers(&raw, &raw_len) != HOOKD_OK) return fail_with_last_error();
  hookd_header_view h;
  while (hookd_request_headers_next(raw, raw_len, &offset, &h) && at < sizeof body) {
    at += (size_t)snprintf(body + at, sizeof body - at, "%.*s: %.*s\n", (int)h.name_len, h.name,
                           (int)h.value_len, h.value);
  }
  free(raw);
  return hookd_output(body, at < sizeof body ? at : sizeof body - 1);
}

static int header_count(const uint8_t* in, size_t len) {
  uint8_t* raw;
  size_t raw_len, offset = 0, n = 0;
  if (hookd_request_headers(&raw, &raw_len) != HOOKD_OK) return fail_with_last_error();
  hookd_header_view h;
  while (hookd_request_headers_next(raw, raw_len, &offset, &h)) ++n;
  free(raw);
  return hookd_output(body, (size_t)snprintf(body, sizeof body, "%zu", n));
}

static int status(const uint8_t* in, size_t len) {
  char text[32];
  snprintf(text, sizeof text, "%.*s", (int)len, (const char*)in);
  if (hookd_response_set_status(atoi(text)) != HOOKD_OK) return fail_with_last_error();
  return hookd_output_str("ok");
}

static int add_header(const uint8_t* in, size_t len) {
  const uint8_t* nl = memchr(in, '\n', len);
  if (!nl) return hookd_error("input: name\\nvalue");
  size_t name_len = (size_t)(nl - in);
  if (hookd_response_add_header_n((const char*)in, name_len, nl + 1, len - name_len - 1) != HOOKD_OK)
    return fail_with_last_error();
  return hookd_output_str("ok");
}

/* The same header twice: the second one may pass the host's byte bound. */
static int add_twice(const uint8_t* in, size_t len) {
  const uint8_t* nl = memchr(in, '\n', len);
  if (!nl) return hookd_error("input: name\\nvalue");
  size_t name_len = (size_t)(nl - in);
  for (int i = 0; i < 2; ++i) {
    if (hookd_response_add_header_n((const char*)in, name_len, nl + 1, len - name_len - 1) != HOOKD_OK)
      return fail_with_last_error();
  }
  return hookd_output_str("ok");
}

static int add_many(const uint8_t* in, size_t len) {
  char text[32], value[16];
  snprintf(text, sizeof text, "%.*s", (int)len, (const char*)in);
  const int n = atoi(text);
  int added = 0;
  for (; added < n; ++added) {
    snprintf(value, sizeof value, "%d", added);
    if (hookd_response_add_header("X-N", value) != HOOKD_OK) break;
  }
  return hookd_output(
      body, (size_t)snprintf(body, sizeof body, "%d %s", added, added < n ? hookd_last_error() : ""));
}

static int hex_output(const uint8_t* digest) {
  for (int i = 0; i < HOOKD_SHA256_BYTES; ++i) snprintf(body + 2 * i, 3, "%02x", digest[i]);
  return hookd_output(body, 2 * HOOKD_SHA256_BYTES);
}

static int sha256(const uint8_t* in, size_t len) {
  uint8_t digest[HOOKD_SHA256_BYTES];
  if (hookd_sha256(in, len, digest) != HOOKD_OK) return fail_with_last_error();
  return hex_output(digest);
}

/* u32 length, then that many bytes, then the rest. */
static int split(const uint8_t* in, size_t len, const uint8_t** a, size_t* a_len, const uint8_t** b,
                 size_t* b_len) {
  uint32_t n;
  if (len < 4) return 0;
  memcpy(&n, in, 4);
  if (len - 4 < n) return 0;
  *a = in + 4;
  *a_len = n;
  *b = in + 4 + n;
  *b_len = len - 4 - n;
  return 1;
}

static int hmac(const uint8_t* in, size_t len) {
  const uint8_t *key, *msg;
  size_t key_len, msg_len;
  uint8_t mac[HOOKD_SHA256_BYTES];
  if (!split(in, len, &key, &key_len, &msg, &msg_len))
    return hookd_error("input: u32 key length, key, message");
  if (hookd_hmac_sha256(key, key_len, msg, msg_len, mac) != HOOKD_OK) return fail_with_last_error();
  return hex_output(mac);
}

static int equal(const uint8_t* in, size_t len) {
  const uint8_t *a, *b;
  size_t a_len, b_len;
  int same = 0;
  if (!split(in, len, &a, &a_len, &b, &b_len)) return hookd_error("input: u32 a length, a, b");
  if (hookd_constant_time_equal(a, a_len, b, b_len, &same) != HOOKD_OK) return fail_with_last_error();
  return hookd_output_str(same ? "1" : "0");
}

__attribute__((import_module("hookd"), import_name("host_call"))) int32_t raw_host_call(
    const char* name, uint32_t name_len, uint32_t in_ptr, uint32_t in_len, uint32_t* result_len);

static int oob(const uint8_t* in, size_t len) {
  static const char name[] = "hookd.response.header";
  uint32_t n = 0;
  raw_host_call(name, sizeof name - 1, 0xFFFFFF00u, 0x1000u, &n);
  return hookd_output_str("not trapped");
}

static int no_request(const uint8_t* in, size_t len) {
  char method[16];
  size_t n;
  if (hookd_request_method(method, sizeof method, &n) != HOOKD_OK) return fail_with_last_error();
  return hookd_output(method, n);
}

/* The method, raw path and route parameter id, with the message as input:
 * "<method> <path> id=<id> got=<input>" (a WebSocket message on a route). */
static int route_id(const uint8_t* in, size_t len) {
  char method[16], path[128], id[64];
  size_t method_n, path_n, id_n = 0;
  if (hookd_request_method(method, sizeof method, &method_n) != HOOKD_OK ||
      hookd_request_path(path, sizeof path, &path_n) != HOOKD_OK) {
    return fail_with_last_error();
  }
  int has_id = hookd_route_param("id", id, sizeof id, &id_n) == HOOKD_OK;
  return hookd_output(body, (size_t)snprintf(body, sizeof body, "%.*s %.*s id=%.*s got=%.*s", (int)method_n,
                                             method, (int)path_n, path, has_id ? (int)id_n : 6,
                                             has_id ? id : "(none)", (int)len, (const char*)in));
}

static int header_cut(const uint8_t* in, size_t len) {
  char head[4];
  size_t n = 0;
  int rc = hookd_request_header_n((const char*)in, len, 0, head, sizeof head, &n);
  if (rc == HOOKD_ERROR) return fail_with_last_error();
  return hookd_output(body, (size_t)snprintf(body, sizeof body, "found=%d len=%zu head=%.*s", rc == HOOKD_OK,
                                             n, (int)(n < sizeof head ? n : sizeof head), head));
}

static int direct_rc(const char* name, void* table, size_t n) {
  int rc = hookd_host_call_direct(name, strlen(name), table, n);
  if (rc == HOOKD_HOST_OK) return hookd_output_str("ok");
  char msg[256];
  size_t k = hookd_host_result(msg, sizeof msg);
  return hookd_output(body, (size_t)snprintf(body, sizeof body, "error: %.*s", (int)k, msg));
}

static uint32_t descriptors[101 * 7];

static int direct_oob(const uint8_t* in, size_t len) {
  static const char name[] = "X-Token";
  static char buf[8];
  const uint32_t far = 0xFFFFFF00u;
  const uint32_t np = (uint32_t)(uintptr_t)name, bp = (uint32_t)(uintptr_t)buf;
  if (len == 5 && memcmp(in, "table", 5) == 0)
    return direct_rc("hookd.request.header", (void*)(uintptr_t)0xFFFFFFF0u, 1);
  if (len == 14 && memcmp(in, "response_table", 14) == 0)
    return direct_rc("hookd.response.header", (void*)(uintptr_t)0xFFFFFFF8u, 1);
  if (len == 4 && memcmp(in, "name", 4) == 0) {
    const uint32_t d[7] = {far, 64, bp, sizeof buf, 0, 0};
    memcpy(descriptors, d, sizeof d);
    return direct_rc("hookd.request.header", descriptors, 1);
  }
  if (len == 6 && memcmp(in, "buffer", 6) == 0) {
    const uint32_t d[7] = {np, sizeof name - 1, 0, far, 4096, 0, 0};
    memcpy(descriptors, d, sizeof d);
    return direct_rc("hookd.request.header", descriptors, 1);
  }
  if (len == 5 && memcmp(in, "value", 5) == 0) {
    const uint32_t d[4] = {np, sizeof name - 1, far, 4096};
    memcpy(descriptors, d, sizeof d);
    return direct_rc("hookd.response.header", descriptors, 1);
  }
  return hookd_error("input: table, name, buffer, response_table or value");
}

static int direct_too_many(const uint8_t* in, size_t len) {
  return direct_rc("hookd.request.header", descriptors, 101);
}

static int add_pair(const uint8_t* in, size_t len) {
  static const char first[] = "X-First", one[] = "1";
  const uint32_t d[8] = {(uint32_t)(uintptr_t)first, sizeof first - 1, (uint32_t)(uintptr_t)one, 1,
                         (uint32_t)(uintptr_t)in,    (uint32_t)len,    (uint32_t)(uintptr_t)one, 1};
  memcpy(descriptors, d, sizeof d);
  return direct_rc("hookd.response.header", descriptors, 2);
}

HOOKD_INIT() {
  REGISTER_OK();
  hookd_register("header_cut", header_cut, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("direct_oob", direct_oob, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("direct_too_many", direct_too_many, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("add_pair", add_pair, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("redirect", redirect, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("reads", reads, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("headers", headers, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("header_count", header_count, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("status", status, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_TEXT);
  hookd_register("add_header", add_header, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("add_twice", add_twice, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("add_many", add_many, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_TEXT);
  hookd_register("sha256", sha256, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("hmac", hmac, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("equal", equal, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("oob", oob, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("no_request", no_request, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("route_id", route_id, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
}
