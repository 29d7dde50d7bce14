/* misc: exercises the WASI subset the host provides (random, stdio, clocks),
 * large outputs with memory growth, and logging at every level. */
#include <hookd/pdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BIG_MAX (64u * 1024u * 1024u)

static char text[32]; /* small text outputs; must outlive the call */

static int out_u64(unsigned long long v) {
  int n = snprintf(text, sizeof text, "%llu", v);
  return hookd_output(text, (size_t)n);
}

/* 32 bytes from getentropy(), which wasi-libc implements with random_get. */
static int random_(const uint8_t* input, size_t len) {
  static uint8_t bytes[32];
  if (getentropy(bytes, sizeof bytes) != 0) return hookd_error("getentropy failed");
  return hookd_output(bytes, sizeof bytes);
}

static int print(const uint8_t* input, size_t len) {
  printf("stdout: %.*s\n", (int)len, (const char*)input);
  fprintf(stderr, "stderr: %.*s\n", (int)len, (const char*)input);
  /* Flush anyway: the host may not report a tty, and then stdout would be
   * fully buffered and show up only at some later call. */
  fflush(stdout);
  return hookd_output_str("printed");
}

static int now(const uint8_t* input, size_t len) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return hookd_error("clock_gettime failed");
  return out_u64((unsigned long long)ts.tv_sec);
}

/* N bytes of 'a'..'z': forces memory.grow and a large output copy. */
static int big(const uint8_t* input, size_t len) {
  static uint8_t* block; /* the previous output, freed on the next call */
  free(block);
  block = NULL;
  size_t n = 0;
  if (len == 0 || len > 8) return hookd_error_status(400, "big: input must be a decimal byte count");
  for (size_t i = 0; i < len; i++) {
    if (input[i] < '0' || input[i] > '9')
      return hookd_error_status(400, "big: input must be a decimal byte count");
    n = n * 10 + (size_t)(input[i] - '0');
  }
  if (n > BIG_MAX) return hookd_error_status(400, "big: at most 67108864 bytes");
  block = malloc(n ? n : 1);
  if (!block) return hookd_errorf("big: cannot allocate %zu bytes", n);
  for (size_t i = 0; i < n; i++) block[i] = (uint8_t)('a' + i % 26);
  return hookd_output(block, n);
}

static int log_(const uint8_t* input, size_t len) {
  for (int level = HOOKD_LOG_TRACE; level <= HOOKD_LOG_ERROR; level++) hookd_log_n(level, input, len);
  return hookd_output_str("logged");
}

HOOKD_INIT() {
  hookd_register("random", random_, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("print", print, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("now", now, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT);
  hookd_register("big", big, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_BYTES);
  hookd_register("log", log_, HOOKD_FORMAT_TEXT, HOOKD_FORMAT_TEXT);
}
