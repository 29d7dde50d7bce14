/* hostcall: exercises host functions. `relay` forwards its input to the host
 * function "relay"; `named` calls the host function its input names, always
 * from the same buffer (so the host cannot tell names apart by their
 * address); `direct` hands its input to the direct form of "upper", which
 * rewrites it in place. (Calls that must fail are in
 * tests/plugins/hostcall_faults.c.) */
#include <hookd/pdk.h>
#include <stdlib.h>
#include <string.h>

/* The last result is returned without a copy, so it is kept until the next
 * call into this plugin. */
static uint8_t* last_result;

static int relay(const uint8_t* input, size_t len) {
  free(last_result);
  last_result = NULL;
  size_t out_len = 0;
  int rc = hookd_host_call("relay", input, len, &last_result, &out_len);
  if (rc == HOOKD_HOST_NOT_FOUND) return hookd_error("host function not found: relay");
  if (rc != HOOKD_OK) {
    if (!last_result) return hookd_error("host call failed: out of memory");
    return hookd_error_n(0, last_result, out_len); /* copies the message */
  }
  return hookd_output(last_result, out_len);
}

static int named(const uint8_t* input, size_t len) {
  static char name[128];
  if (len >= sizeof name) return hookd_error("name too long");
  memcpy(name, input, len);
  name[len] = '\0';
  free(last_result);
  last_result = NULL;
  size_t out_len = 0;
  int rc = hookd_host_call(name, NULL, 0, &last_result, &out_len);
  if (rc == HOOKD_HOST_NOT_FOUND) return hookd_error("host function not found");
  if (rc != HOOKD_OK) return hookd_error_n(0, last_result, last_result ? out_len : 0);
  return hookd_output(last_result, out_len);
}

static int direct(const uint8_t* input, size_t len) {
  static uint8_t buf[256];
  if (len > sizeof buf) return hookd_error("input too long");
  memcpy(buf, input, len);
  int rc = hookd_host_call_direct("upper", 5, buf, len);
  if (rc == HOOKD_HOST_NOT_FOUND) return hookd_error("host function not found");
  if (rc != HOOKD_HOST_OK) {
    char msg[256];
    size_t n = hookd_host_result(msg, sizeof msg);
    return hookd_error_n(0, msg, n);
  }
  return hookd_output(buf, len);
}

HOOKD_INIT() {
  hookd_register("relay", relay, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("named", named, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("direct", direct, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
}
