/* abi2: a plugin built for a future ABI. The exports are written by hand
 * (no PDK) and are otherwise well-formed, so the version check is the only
 * reason for the host to refuse it ("plugin ABI 2, host supports 1"). */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

static uint32_t frame[3];
static uint8_t input[4096];

EXPORT("hookd_abi_version") int32_t abi_version(void) { return 2; }
EXPORT("hookd_init") void init(void) {}
EXPORT("hookd_frame") int32_t frame_addr(void) { return (int32_t)(uintptr_t)frame; }
EXPORT("hookd_input") int32_t input_addr(int32_t capacity) {
  return (uint32_t)capacity <= sizeof input ? (int32_t)(uintptr_t)input : 0;
}
EXPORT("hookd_call") int32_t call(int32_t fn_id, int32_t in_ptr, int32_t in_len) {
  frame[0] = frame[1] = frame[2] = 0;
  return 0;
}
