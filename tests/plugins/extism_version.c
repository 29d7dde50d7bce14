/* extism_version: the version test plugin's "which" function as an Extism
 * plugin (raw kernel imports, no PDK), answering HOOKD_VERSION_TAG. Hot
 * replace tests swap it with the native version_a build under load: a
 * plugin name changes ABI between two requests. */
#include <stdint.h>

#ifndef HOOKD_VERSION_TAG
#define HOOKD_VERSION_TAG "B"
#endif

__attribute__((import_module("extism:host/env"), import_name("alloc"))) uint64_t extism_alloc(uint64_t n);
__attribute__((import_module("extism:host/env"), import_name("store_u8"))) void extism_store_u8(
    uint64_t offset, uint32_t v);
__attribute__((import_module("extism:host/env"), import_name("output_set"))) void extism_output_set(
    uint64_t offset, uint64_t n);

__attribute__((export_name("which"))) int32_t which(void) {
  static const char tag[] = HOOKD_VERSION_TAG;
  const uint64_t n = sizeof tag - 1;
  const uint64_t block = extism_alloc(n);
  if (block == 0) return 1;
  for (uint64_t i = 0; i < n; ++i) extism_store_u8(block + i, (uint8_t)tag[i]);
  extism_output_set(block, n);
  return 0;
}
