/* path_echo: the native-ABI twin of the echo component
 * (tests/components/echo.wat), for the wasi:http components benchmark
 * (tests/bench/engine_benchmark.cpp, loadtest/scenarios/components.sh).
 * `path` answers what echo answers: the request's path and query as
 * received, then "\n", as text/plain with status 200. The component reads
 * path-with-query in one host call; the PDK reads the path and the query
 * separately (two calls), then sets the header (a third). A target longer
 * than the buffer is a 414. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>

enum { kMaxTarget = 16384 };

static char body[kMaxTarget + 2]; /* the target, '?' included, and the "\n" */

static int path(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  size_t path_n = 0, query_n = 0;
  if (hookd_request_path(body, kMaxTarget, &path_n) != HOOKD_OK) return hookd_error(hookd_last_error());
  if (path_n >= kMaxTarget) return hookd_error_status(414, "path too long");
  if (hookd_request_query(body + path_n + 1, kMaxTarget - path_n - 1, &query_n) != HOOKD_OK)
    return hookd_error(hookd_last_error());
  if (query_n > kMaxTarget - path_n - 1) return hookd_error_status(414, "query too long");
  size_t at = path_n;
  if (query_n > 0) {
    body[at] = '?';
    at += 1 + query_n;
  }
  body[at++] = '\n';
  if (hookd_response_add_header("Content-Type", "text/plain") != HOOKD_OK)
    return hookd_error(hookd_last_error());
  return hookd_output(body, at);
}

HOOKD_INIT() { hookd_register("path", path, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES); }
