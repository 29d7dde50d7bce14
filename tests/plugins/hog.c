/* hog: memory exhaustion. `hog` allocates until malloc fails (the host's
 * memory limit must stop memory.grow, not the process); `grow` asks for the
 * whole 4 GiB address space in one memory.grow. */
#include <stdio.h>
#include <stdlib.h>

#include "ok.h"

#define MIB (1024 * 1024)

static int hog(const uint8_t* input, size_t len) {
  void* head = NULL; /* blocks are chained through their first word */
  unsigned mib = 0;
  for (;;) {
    volatile uint8_t* block = malloc(MIB);
    if (!block) break;
    for (size_t i = 0; i < MIB; i += 4096) block[i] = (uint8_t)i; /* touch each page */
    *(void* volatile*)block = head;
    head = (void*)block;
    mib++;
  }
  /* Give it back so reporting the error can allocate. */
  while (head) {
    void* next = *(void* volatile*)head;
    free(head);
    head = next;
  }
  return hookd_errorf("malloc failed after %u MiB", mib);
}

static int grow(const uint8_t* input, size_t len) {
  static char out[16];
  int r = (int)__builtin_wasm_memory_grow(0, 65536);
  return hookd_output(out, (size_t)snprintf(out, sizeof out, "%d", r));
}

HOOKD_INIT() {
  hookd_register("hog", hog, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("grow", grow, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  REGISTER_OK();
}
