/*
 * What the example HTTP handlers share: JSON text and answers. A handler
 * answers every outcome, a 4xx included, as a successful call: it sets the
 * status and headers through the HTTP exchange (pdk_host.h) and returns the
 * body, so the status and headers reach the client (a failed call's would be
 * dropped, docs/abi.md "The HTTP exchange").
 */
#ifndef HOOKD_EXAMPLE_HANDLER_H
#define HOOKD_EXAMPLE_HANDLER_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF), else 0. */
int handler_utf8_valid(const char* s, size_t n);

/* Writes s[0..n) as the inside of a JSON string (quotes, backslashes and
 * control characters escaped; other bytes as they are) to out, NUL-terminated.
 * Returns the length written, or -1 when it does not fit in cap bytes. */
long handler_json_escape(const char* s, size_t n, char* out, size_t cap);

/* Answers `status` with Content-Type application/json and body `json`
 * (copied). Returns the function's result code. */
int handler_answer_json(int status, const char* json, size_t len);

/* Answers `status` with {"error":"<message>"}. */
int handler_answer_error(int status, const char* message);

#endif /* HOOKD_EXAMPLE_HANDLER_H */
