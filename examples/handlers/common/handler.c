#include "handler.h"

#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int handler_utf8_valid(const char* s, size_t n) {
  const unsigned char* p = (const unsigned char*)s;
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return 0; /* a continuation byte first, an overlong lead (c0, c1) or past f4 */
    }
    if (n - i <= extra) return 0;
    for (size_t k = 1; k <= extra; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    /* The shortest form only, and no UTF-16 surrogates. */
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)) return 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += extra + 1;
  }
  return 1;
}

long handler_json_escape(const char* s, size_t n, char* out, size_t cap) {
  static const char kHex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = (unsigned char)s[i];
    char esc[7];
    size_t len = 0;
    switch (c) {
      case '"':
        memcpy(esc, "\\\"", len = 2);
        break;
      case '\\':
        memcpy(esc, "\\\\", len = 2);
        break;
      case '\b':
        memcpy(esc, "\\b", len = 2);
        break;
      case '\f':
        memcpy(esc, "\\f", len = 2);
        break;
      case '\n':
        memcpy(esc, "\\n", len = 2);
        break;
      case '\r':
        memcpy(esc, "\\r", len = 2);
        break;
      case '\t':
        memcpy(esc, "\\t", len = 2);
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          /* DEL is legal in JSON, but escaping it keeps the answer printable. */
          memcpy(esc, "\\u00", 4);
          esc[4] = kHex[c >> 4];
          esc[5] = kHex[c & 15];
          len = 6;
        } else {
          esc[0] = (char)c;
          len = 1;
        }
    }
    if (cap - o <= len) return -1; /* keep a byte for the NUL */
    memcpy(out + o, esc, len);
    o += len;
  }
  if (o >= cap) return -1;
  out[o] = '\0';
  return (long)o;
}

int handler_answer_json(int status, const char* json, size_t len) {
  /* Outside an HTTP request (`hookd call`) these fail; the body still goes. */
  hookd_response_set_status(status);
  hookd_response_add_header("Content-Type", "application/json");
  return hookd_output_copy(json, len);
}

int handler_answer_error(int status, const char* message) {
  char escaped[512];
  char body[600];
  if (handler_json_escape(message, strlen(message), escaped, sizeof escaped) < 0) {
    strcpy(escaped, "error message too long");
  }
  const int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", escaped);
  return handler_answer_json(status, body, (size_t)n);
}
