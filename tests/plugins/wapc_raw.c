/* wapc_raw: a waPC guest written against the raw `wapc` imports (no guest
 * library), for the corners the AssemblyScript guest never reaches. The
 * operation name picks the behaviour:
 *   echo               the payload back
 *   silent_ok          returns success without __guest_response (empty output)
 *   silent_error       returns failure without __guest_error
 *   bad_request        __guest_request into addresses past the end of memory
 *   bad_response       __guest_response of a range past the end of memory
 *   huge_response      __guest_response of 2 GiB at address 0
 *   bad_error          __guest_error of a range past the end of memory
 *   bad_host_call      __host_call with a namespace past the end of memory
 *   bad_host_response  a host call, then __host_response into an address
 *                      past the end of memory
 *   bad_log            __console_log of a range past the end of memory
 *   host_lens          a host call named by the payload ("ns/op/body"):
 *                      "<ok> <response_len> <error_len>"
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WAPC(name) __attribute__((import_module("wapc"), import_name(#name)))
WAPC(__guest_request) void guest_request(uint8_t* op, uint8_t* payload);
WAPC(__guest_response) void guest_response(const uint8_t* ptr, uint32_t len);
WAPC(__guest_error) void guest_error(const uint8_t* ptr, uint32_t len);
WAPC(__host_call)
uint32_t host_call(const uint8_t* bd, uint32_t bd_len, const uint8_t* ns, uint32_t ns_len, const uint8_t* op,
                   uint32_t op_len, const uint8_t* payload, uint32_t payload_len);
WAPC(__host_response_len) uint32_t host_response_len(void);
WAPC(__host_response) void host_response(uint8_t* ptr);
WAPC(__host_error_len) uint32_t host_error_len(void);
WAPC(__console_log) void console_log(const uint8_t* ptr, uint32_t len);

#define FAR ((uint8_t*)0xfffff000u) /* past any memory a test gives it */

static uint8_t op[256];
static uint8_t payload[65536];
static char report[64];

static int is(const char* name, uint32_t len) { return strlen(name) == len && memcmp(op, name, len) == 0; }

static uint32_t host_lens(uint32_t len) {
  /* ns/op/body */
  uint8_t* a = memchr(payload, '/', len);
  uint8_t* b = a ? memchr(a + 1, '/', len - (uint32_t)(a + 1 - payload)) : 0;
  if (!b) return 0;
  uint32_t ok = host_call((const uint8_t*)"", 0, payload, (uint32_t)(a - payload), a + 1,
                          (uint32_t)(b - a - 1), b + 1, len - (uint32_t)(b + 1 - payload));
  int n = snprintf(report, sizeof report, "%u %u %u", ok, host_response_len(), host_error_len());
  guest_response((const uint8_t*)report, (uint32_t)n);
  return 1;
}

__attribute__((export_name("__guest_call"))) uint32_t guest_call(uint32_t op_len, uint32_t payload_len) {
  if (op_len > sizeof op || payload_len > sizeof payload) {
    guest_error((const uint8_t*)"too big", 7);
    return 0;
  }
  /* bad_request is decided before the request is fetched: the name's
   * length is all it has. */
  if (op_len == strlen("bad_request")) {
    guest_request(FAR, FAR);
    return 1;
  }
  guest_request(op, payload);
  if (is("echo", op_len)) {
    guest_response(payload, payload_len);
    return 1;
  }
  if (is("silent_ok", op_len)) return 1;
  if (is("silent_error", op_len)) return 0;
  if (is("bad_response", op_len)) guest_response(FAR, 16);
  if (is("huge_response", op_len)) guest_response(0, 0x80000000u);
  if (is("bad_error", op_len)) guest_error(FAR, 16);
  if (is("bad_host_call", op_len))
    host_call((const uint8_t*)"", 0, FAR, 2, (const uint8_t*)"get", 3, payload, 0);
  if (is("bad_host_response", op_len)) {
    host_call((const uint8_t*)"", 0, (const uint8_t*)"hookd", 5, (const uint8_t*)"relay", 5, payload,
              payload_len);
    host_response(FAR);
  }
  if (is("bad_log", op_len)) console_log(FAR, 16);
  if (is("host_lens", op_len)) return host_lens(payload_len);
  guest_error((const uint8_t*)"unknown operation", 17);
  return 0;
}
