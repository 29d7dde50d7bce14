/* shortener: a URL shortener over KV.
 *
 *   POST /links {"url":"https://example.com/x"}   (function `create`)
 *     201, Location: /r/<code>, {"code":"<code>"}. The URL must be http(s)
 *     with a host, at most kMaxUrl bytes of printable ASCII (no spaces or
 *     control characters: it becomes a Location header); anything else, or
 *     a body that is not such a JSON object, is 400.
 *   GET /r/{code}                                  (function `follow`)
 *     302, Location: <url>; an unknown code 404.
 *
 * Codes are kCodeLength characters of [0-9A-Za-z] drawn from WASI's random
 * source (62^7, about 3.5e12 codes, so they cannot be walked the way
 * counter-based ones can); a new link is stored with compare-and-set
 * ("must not exist"), so a collision draws again instead of overwriting.
 *
 * Grants: kv read-write. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/handler.h"

enum {
  kMaxUrl = 2048,
  kCodeLength = 7,
  kMaxDraws = 5,
};

static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* ---- The request body: one JSON object with a string member "url" ---- */

typedef struct {
  const char* p;
  const char* end;
} json_cursor;

static void skip_space(json_cursor* c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) ++c->p;
}

static int hex4(const char* p, unsigned* v) {
  *v = 0;
  for (int i = 0; i < 4; ++i) {
    const char h = p[i];
    unsigned d;
    if (h >= '0' && h <= '9')
      d = (unsigned)(h - '0');
    else if (h >= 'a' && h <= 'f')
      d = (unsigned)(h - 'a' + 10);
    else if (h >= 'A' && h <= 'F')
      d = (unsigned)(h - 'A' + 10);
    else
      return 0;
    *v = *v << 4 | d;
  }
  return 1;
}

static size_t put_utf8(unsigned cp, char* out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* A JSON string at c->p, decoded into out (when out is not NULL; at most
 * cap bytes, *len its full length). 0 when malformed. */
static int parse_string(json_cursor* c, char* out, size_t cap, size_t* len) {
  *len = 0;
  if (c->p >= c->end || *c->p != '"') return 0;
  ++c->p;
  while (c->p < c->end) {
    const unsigned char ch = (unsigned char)*c->p++;
    char buf[4];
    size_t n = 1;
    if (ch == '"') return 1;
    if (ch < 0x20) return 0; /* raw control characters are not JSON */
    buf[0] = (char)ch;
    if (ch == '\\') {
      if (c->p >= c->end) return 0;
      const char e = *c->p++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          buf[0] = e;
          break;
        case 'b':
          buf[0] = '\b';
          break;
        case 'f':
          buf[0] = '\f';
          break;
        case 'n':
          buf[0] = '\n';
          break;
        case 'r':
          buf[0] = '\r';
          break;
        case 't':
          buf[0] = '\t';
          break;
        case 'u': {
          unsigned cp;
          if (c->end - c->p < 4 || !hex4(c->p, &cp)) return 0;
          c->p += 4;
          if (cp >= 0xdc00 && cp <= 0xdfff) return 0; /* a lone low surrogate */
          if (cp >= 0xd800 && cp <= 0xdbff) {
            unsigned lo;
            if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || !hex4(c->p + 2, &lo) ||
                lo < 0xdc00 || lo > 0xdfff)
              return 0;
            c->p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          n = put_utf8(cp, buf);
          break;
        }
        default:
          return 0;
      }
    }
    if (out && *len + n <= cap) memcpy(out + *len, buf, n);
    *len += n;
  }
  return 0; /* unterminated */
}

/* A member value other than "url": a string, number, true, false or null
 * (nested objects and arrays are not part of this API). 0 when malformed. */
static int skip_scalar(json_cursor* c) {
  size_t unused;
  if (c->p < c->end && *c->p == '"') return parse_string(c, NULL, 0, &unused);
  const char* start = c->p;
  while (c->p < c->end && *c->p != '\0' && strchr("+-.0123456789eEtrufalsn", *c->p)) ++c->p;
  const size_t n = (size_t)(c->p - start);
  if (n == 0) return 0;
  if ((n == 4 && (memcmp(start, "true", 4) == 0 || memcmp(start, "null", 4) == 0)) ||
      (n == 5 && memcmp(start, "false", 5) == 0))
    return 1;
  return (start[0] >= '0' && start[0] <= '9') || start[0] == '-';
}

/* Finds "url" in the body. Returns 1 (url holds *url_len bytes; more than cap
 * means too long), 0 when the body is malformed, -1 when it has no "url". */
static int body_url(const uint8_t* body, size_t len, char* url, size_t cap, size_t* url_len) {
  json_cursor c = {(const char*)body, (const char*)body + len};
  int found = 0;
  skip_space(&c);
  if (c.p >= c.end || *c.p++ != '{') return 0;
  skip_space(&c);
  if (c.p < c.end && *c.p == '}') {
    ++c.p;
  } else {
    for (;;) {
      char key[8];
      size_t key_len;
      if (!parse_string(&c, key, sizeof key, &key_len)) return 0;
      skip_space(&c);
      if (c.p >= c.end || *c.p++ != ':') return 0;
      skip_space(&c);
      if (key_len == 3 && memcmp(key, "url", 3) == 0) {
        if (found || !parse_string(&c, url, cap, url_len)) return 0;
        found = 1;
      } else if (!skip_scalar(&c)) {
        return 0;
      }
      skip_space(&c);
      if (c.p >= c.end) return 0;
      const char next = *c.p++;
      if (next == '}') break;
      if (next != ',') return 0;
      skip_space(&c);
    }
  }
  skip_space(&c);
  if (c.p != c.end) return 0;
  return found ? 1 : -1;
}

/* ---- Links ---- */

static int has_prefix_nocase(const char* s, size_t n, const char* prefix) {
  const size_t k = strlen(prefix);
  if (n < k) return 0;
  for (size_t i = 0; i < k; ++i) {
    char ch = s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    if (ch != prefix[i]) return 0;
  }
  return 1;
}

/* NULL when the URL may be stored, else why not. */
static const char* url_problem(const char* url, size_t n) {
  if (n > kMaxUrl) return "url is longer than 2048 bytes";
  for (size_t i = 0; i < n; ++i) {
    const unsigned char ch = (unsigned char)url[i];
    if (ch <= 0x20 || ch >= 0x7f)
      return "url must be printable ASCII without spaces (percent-encode the rest)";
  }
  size_t scheme;
  if (has_prefix_nocase(url, n, "http://"))
    scheme = 7;
  else if (has_prefix_nocase(url, n, "https://"))
    scheme = 8;
  else
    return "url must start with http:// or https://";
  if (scheme == n || url[scheme] == '/' || url[scheme] == '?' || url[scheme] == '#') return "url has no host";
  return NULL;
}

static int draw_code(char code[kCodeLength]) {
  size_t filled = 0;
  while (filled < kCodeLength) {
    uint8_t random[16];
    if (getentropy(random, sizeof random) != 0) return 0;
    for (size_t i = 0; i < sizeof random && filled < kCodeLength; ++i) {
      /* 248 = 4 x 62: bytes above it are dropped, so every character is as likely. */
      if (random[i] < 248) code[filled++] = kAlphabet[random[i] % 62];
    }
  }
  return 1;
}

static int create(const uint8_t* body, size_t len) {
  char url[kMaxUrl + 1];
  size_t url_len = 0;
  const int found = body_url(body, len, url, sizeof url, &url_len);
  if (found == 0)
    return handler_answer_error(400, "the body must be a JSON object {\"url\": \"https://...\"}");
  if (found < 0) return handler_answer_error(400, "the body has no \"url\"");
  const char* problem = url_problem(url, url_len);
  if (problem) return handler_answer_error(400, problem);

  char key[3 + kCodeLength] = "to:";
  char* code = key + 3;
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    if (!draw_code(code)) return hookd_error_status(500, "no random source");
    int swapped = 0;
    if (hookd_kv_cas(key, sizeof key, NULL, 0, url, url_len, &swapped) != HOOKD_OK) {
      hookd_logf(HOOKD_LOG_ERROR, "shortener: storing a link: %s", hookd_last_error());
      return handler_answer_error(503, "the link could not be stored");
    }
    if (!swapped) continue; /* the code is taken: draw another */
    char location[3 + kCodeLength + 1];
    snprintf(location, sizeof location, "/r/%.*s", kCodeLength, code);
    hookd_response_add_header("Location", location);
    char out[32];
    const int n = snprintf(out, sizeof out, "{\"code\":\"%.*s\"}", kCodeLength, code);
    return handler_answer_json(201, out, (size_t)n);
  }
  return handler_answer_error(503, "no free code found; try again");
}

static int follow(const uint8_t* in, size_t len) {
  (void)in;
  (void)len;
  char key[3 + kCodeLength] = "to:";
  char* code = key + 3;
  size_t code_len = 0;
  const int rc = hookd_route_param("code", code, kCodeLength, &code_len);
  if (rc == HOOKD_ERROR) return hookd_error_status(500, hookd_last_error());
  /* A code of another length or alphabet was never handed out. */
  int known_shape = rc == HOOKD_OK && code_len == kCodeLength;
  for (size_t i = 0; known_shape && i < code_len; ++i)
    known_shape = code[i] != '\0' && strchr(kAlphabet, code[i]);
  if (!known_shape) return handler_answer_error(404, "no such link");

  char url[kMaxUrl];
  size_t url_len = 0;
  const int got = hookd_kv_get_into(key, sizeof key, url, sizeof url, &url_len);
  if (got == HOOKD_NOT_FOUND) return handler_answer_error(404, "no such link");
  if (got != HOOKD_OK || url_len > sizeof url) {
    hookd_logf(HOOKD_LOG_ERROR, "shortener: reading link %.*s: %s", kCodeLength, code,
               got != HOOKD_OK ? hookd_last_error() : "value too long");
    return handler_answer_error(503, "the link could not be read");
  }
  if (hookd_response_add_header_n("Location", 8, url, url_len) != HOOKD_OK) {
    return hookd_error_status(500, hookd_last_error());
  }
  /* Printable ASCII (checked when stored), so escaping at most doubles it. */
  char escaped[kMaxUrl * 2 + 1];
  const long n = handler_json_escape(url, url_len, escaped, sizeof escaped);
  char out[sizeof escaped + 16];
  const int out_len = snprintf(out, sizeof out, "{\"url\":\"%.*s\"}", (int)n, escaped);
  return handler_answer_json(302, out, (size_t)out_len);
}

HOOKD_INIT() {
  hookd_register("create", create, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
  hookd_register("follow", follow, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES);
}
