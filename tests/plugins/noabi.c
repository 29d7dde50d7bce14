/* noabi: a valid wasm reactor that is not a hookd plugin: the host must say
 * "not a hookd plugin (missing export hookd_abi_version)". */
#include <stdint.h>

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) { return a + b; }
