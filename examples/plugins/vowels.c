/* vowels: counts the ASCII vowels of its input and answers in decimal text. */
#include <hookd/pdk.h>

static int count_vowels(const uint8_t* input, size_t len) {
  static char out[24]; /* static: the output must outlive this call */
  size_t count = 0;
  for (size_t i = 0; i < len; i++) {
    switch (input[i]) {
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
      case 'A':
      case 'E':
      case 'I':
      case 'O':
      case 'U':
        count++;
    }
  }
  char tmp[24];
  size_t n = 0, k = 0;
  do tmp[n++] = (char)('0' + count % 10);
  while ((count /= 10) != 0);
  while (n) out[k++] = tmp[--n];
  return hookd_output(out, k);
}

HOOKD_INIT() { hookd_register("count_vowels", count_vowels, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_TEXT); }
