/* webhook: receives GitHub webhooks (POST /hooks/github, function `github`).
 *
 *   X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>, the
 *   secret from the plugin's config value `secret`; a missing, malformed or
 *   wrong signature: 401. The MAC is compared in constant time
 *   (hookd_constant_time_equal), never with memcmp: a comparison that stops
 *   at the first differing byte tells an attacker how much of a forged MAC
 *   is right.
 *
 *   X-GitHub-Delivery: the delivery's id, required (400 without it). The
 *   first delivery of an id is stored in KV and answered 202
 *   {"accepted":true,...}; GitHub redelivers on a timeout, so the same id
 *   again answers 200 {"duplicate":true,...} and is not processed twice.
 *
 * Grants: config (the secret), kv read-write, crypto. */
#include <hookd/pdk.h>
#include <hookd/pdk_host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/handler.h"

enum {
  kMaxDeliveryId = 128,
  kMaxEvent = 64,
};

static const char kSignaturePrefix[] = "sha256=";

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 32 bytes of "sha256=<64 hex digits>"; 0 when it is not that. */
static int parse_signature(const char* s, size_t n, uint8_t mac[HOOKD_SHA256_BYTES]) {
  const size_t prefix = sizeof kSignaturePrefix - 1;
  if (n != prefix + 2 * HOOKD_SHA256_BYTES || memcmp(s, kSignaturePrefix, prefix) != 0) return 0;
  for (size_t i = 0; i < HOOKD_SHA256_BYTES; ++i) {
    const int hi = hex_value(s[prefix + 2 * i]);
    const int lo = hex_value(s[prefix + 2 * i + 1]);
    if (hi < 0 || lo < 0) return 0;
    mac[i] = (uint8_t)(hi << 4 | lo);
  }
  return 1;
}

/* GitHub's ids are UUIDs; anything of letters, digits, '-' and '_' is
 * accepted, so an id is a safe KV key and needs no escaping in JSON. */
static int delivery_id_valid(const char* s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
  }
  return 1;
}

/* 1 when the request carries a valid signature of `body`, 0 when not;
 * -1 (and the answer already made in *result) when the check cannot run. */
static int signature_ok(const uint8_t* body, size_t len, int* result) {
  char header[2 * HOOKD_SHA256_BYTES + sizeof kSignaturePrefix];
  size_t header_len = 0;
  const int rc = hookd_request_header("X-Hub-Signature-256", 0, header, sizeof header, &header_len);
  if (rc == HOOKD_ERROR) {
    *result = hookd_error_status(500, hookd_last_error());
    return -1;
  }
  uint8_t sent[HOOKD_SHA256_BYTES];
  if (rc == HOOKD_NOT_FOUND || header_len > sizeof header || !parse_signature(header, header_len, sent))
    return 0;

  char* secret = NULL;
  size_t secret_len = 0;
  if (hookd_config_get("secret", &secret, &secret_len) != HOOKD_OK || secret_len == 0) {
    free(secret);
    hookd_log_error("webhook: config value `secret` is not set (or the config grant is missing)");
    *result = handler_answer_error(500, "the webhook secret is not configured");
    return -1;
  }
  uint8_t expected[HOOKD_SHA256_BYTES];
  const int mac_rc = hookd_hmac_sha256(secret, secret_len, body, len, expected);
  free(secret);
  int equal = 0;
  if (mac_rc != HOOKD_OK ||
      hookd_constant_time_equal(expected, sizeof expected, sent, sizeof sent, &equal) != HOOKD_OK) {
    *result = hookd_error_status(500, hookd_last_error());
    return -1;
  }
  return equal;
}

static int github(const uint8_t* body, size_t len) {
  int result = HOOKD_OK;
  const int ok = signature_ok(body, len, &result);
  if (ok < 0) return result;
  if (ok == 0) return handler_answer_error(401, "missing or invalid X-Hub-Signature-256");

  char id[kMaxDeliveryId];
  size_t id_len = 0;
  const int rc = hookd_request_header("X-GitHub-Delivery", 0, id, sizeof id, &id_len);
  if (rc == HOOKD_ERROR) return hookd_error_status(500, hookd_last_error());
  if (rc == HOOKD_NOT_FOUND) return handler_answer_error(400, "missing X-GitHub-Delivery");
  if (id_len > sizeof id || !delivery_id_valid(id, id_len))
    return handler_answer_error(400, "X-GitHub-Delivery must be 1-128 of A-Z a-z 0-9 - _");

  /* The event name (X-GitHub-Event) is what is stored: a real handler would
   * queue the body for work here. */
  char event[kMaxEvent];
  size_t event_len = 0;
  if (hookd_request_header("X-GitHub-Event", 0, event, sizeof event, &event_len) != HOOKD_OK ||
      event_len > sizeof event) {
    event_len = 0;
  }

  /* Compare-and-set with "must not exist": of two concurrent deliveries of
   * one id exactly one is accepted. */
  char key[sizeof "delivery:" + kMaxDeliveryId];
  const int key_len = snprintf(key, sizeof key, "delivery:%.*s", (int)id_len, id);
  int swapped = 0;
  if (hookd_kv_cas(key, (size_t)key_len, NULL, 0, event, event_len, &swapped) != HOOKD_OK) {
    hookd_logf(HOOKD_LOG_ERROR, "webhook: storing delivery %.*s: %s", (int)id_len, id, hookd_last_error());
    return handler_answer_error(503, "the delivery could not be stored");
  }
  char out[64 + kMaxDeliveryId];
  const int n = snprintf(
      out, sizeof out,
      swapped ? "{\"accepted\":true,\"delivery\":\"%.*s\"}" : "{\"duplicate\":true,\"delivery\":\"%.*s\"}",
      (int)id_len, id);
  return handler_answer_json(swapped ? 202 : 200, out, (size_t)n);
}

HOOKD_INIT() { hookd_register("github", github, HOOKD_FORMAT_BYTES, HOOKD_FORMAT_BYTES); }
