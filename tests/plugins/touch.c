/* touch: linear memory of a known size, for the memory figures
 * (tests/memory, tests/bench/memory_benchmark.cpp). `touch` takes a decimal
 * byte count, grows the heap by that much once, writes every page of it and
 * keeps it; `touched` answers the total so far. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ok.h"

static size_t total;
static char out[24];

static int answer(void) { return hookd_output(out, (size_t)snprintf(out, sizeof out, "%zu", total)); }

static int touch(const uint8_t* input, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len && input[i] >= '0' && input[i] <= '9'; i++) n = n * 10 + (input[i] - '0');
  if (n > 64u * 1024 * 1024) return hookd_error("at most 64 MiB");
  volatile uint8_t* block = malloc(n ? n : 1);
  if (!block) return hookd_error("malloc failed");
  for (size_t i = 0; i < n; i += 4096) block[i] = 1; /* one write per page: the page is resident */
  if (n) block[n - 1] = 1;
  total += n;
  return answer();
}

static int touched(const uint8_t* input, size_t len) { return answer(); }

HOOKD_INIT() {
  hookd_register("touch", touch, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("touched", touched, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  REGISTER_OK();
}
