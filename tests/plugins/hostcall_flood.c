/* hostcall_flood: makes the host write log lines on its behalf, as fast as it
 * can. `flood` takes (little-endian) u32 n, then u32 url_len, and makes n
 * calls to hookd.kv.get (refused: the test grants no KV) and n calls to
 * hookd.fetch of "http://denied.test/" followed by url_len - 18 bytes of
 * path (refused: not in the allowlist; the host's error quotes the URL).
 * It answers "<refused> <failed>": how many of each call the host failed. */
#include <hookd/pdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ok.h"

static char report[64];

static void put_u32(uint8_t* at, uint32_t v) { memcpy(at, &v, 4); }

static int flood(const uint8_t* in, size_t len) {
  if (len != 8) return hookd_error("input: u32 n, u32 url_len");
  uint32_t n, url_len;
  memcpy(&n, in, 4);
  memcpy(&url_len, in + 4, 4);
  static const char kHead[] = "http://denied.test/";
  const size_t head = sizeof kHead - 1;
  if (url_len < head) url_len = (uint32_t)head;
  /* str method, str url, u32 header count: 0. */
  const size_t size = 4 + 3 + 4 + url_len + 4;
  uint8_t* payload = malloc(size);
  if (!payload) return hookd_error("no memory for the request");
  uint8_t* at = payload;
  put_u32(at, 3);
  memcpy(at + 4, "GET", 3);
  at += 7;
  put_u32(at, url_len);
  memcpy(at + 4, kHead, head);
  memset(at + 4 + head, 'a', url_len - head);
  at += 4 + url_len;
  put_u32(at, 0);

  uint32_t refused = 0, failed = 0;
  size_t result_len = 0;
  static const char kGet[] = "hookd.kv.get";
  static const char kFetch[] = "hookd.fetch";
  for (uint32_t i = 0; i < n; ++i) {
    if (hookd_host_call_start(kGet, sizeof kGet - 1, "k", 1, &result_len) != HOOKD_HOST_OK) ++refused;
    if (hookd_host_call_start(kFetch, sizeof kFetch - 1, payload, size, &result_len) != HOOKD_HOST_OK)
      ++failed;
  }
  free(payload);
  return hookd_output(report,
                      (size_t)snprintf(report, sizeof report, "%u %u", (unsigned)refused, (unsigned)failed));
}

HOOKD_INIT() {
  hookd_register("flood", flood, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  REGISTER_OK();
}
