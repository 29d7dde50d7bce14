/* hello: GET /api/hello?name=<n> answers 200 {"hello":"<n>"} (application/json,
 * the name decoded and JSON-escaped) with the header X-Hello: 1. A missing or
 * empty name, one longer than kMaxName bytes or one that is not UTF-8: 400.
 * Needs no grant: the request is the plugin's own input. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>

#include "../common/handler.h"

enum { kMaxName = 256 };

static int hello(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  char name[kMaxName];
  size_t name_len = 0;
  const int rc = hookd_request_query_param("name", name, sizeof name, &name_len);
  if (rc == HOOKD_ERROR) return hookd_error_status(500, hookd_last_error());
  if (rc == HOOKD_NOT_FOUND || name_len == 0)
    return handler_answer_error(400, "query parameter name is required");
  if (name_len > sizeof name) return handler_answer_error(400, "name is longer than 256 bytes");
  if (!handler_utf8_valid(name, name_len)) return handler_answer_error(400, "name is not UTF-8");

  /* Escaping grows a byte by at most six (\u001f). */
  char escaped[kMaxName * 6 + 1];
  const long n = handler_json_escape(name, name_len, escaped, sizeof escaped);
  char body[sizeof escaped + 16];
  const int body_len = snprintf(body, sizeof body, "{\"hello\":\"%.*s\"}", (int)n, escaped);
  hookd_response_add_header("X-Hello", "1");
  return handler_answer_json(200, body, (size_t)body_len);
}

HOOKD_INIT() { hookd_register("hello", hello, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES); }
