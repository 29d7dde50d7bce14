// C++ layer over <hookd/pdk_host.h>: key-value storage, config values,
// fetch, the HTTP request and response, and crypto as hookd::pdk::Result
// values (no exceptions).
//
//   auto n = hookd::pdk::kv::incr("count", 1);            // Result<int64_t>
//   auto v = hookd::pdk::kv::get("user:1");               // Result<std::optional<std::string>>
//   auto g = hookd::pdk::config_get("greeting");          // std::optional<std::string>
//   auto r = hookd::pdk::fetch({"GET", "https://api.example.com/x"});  // Result<FetchResponse>
//   auto t = hookd::pdk::request::header("X-Token");       // Result<std::optional<std::string>>
//   hookd::pdk::response::set_status(302);
//   auto id = hookd::pdk::request::route_param("id");      // Result<std::optional<std::string>>
//   hookd::pdk::response::add_header("Location", "/users/" + id->value_or(""));
//   auto mac = hookd::pdk::crypto::hmac_sha256(secret, body);  // Result<Digest>
#pragma once

#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pdk.hpp"
#include "pdk_host.h"

namespace hookd::pdk {

namespace detail {
inline Error last_host_error() { return Error{0, hookd_last_error(), HOOKD_HOST_ERROR}; }
inline std::string take(uint8_t* p, size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  std::free(p);
  return s;
}
// Reads text through a (buf, cap, len) function of pdk_host.h: a small
// buffer first, then one of the full length when it did not fit.
template <class F>
Result<std::optional<std::string>> read_text(F read) {
  std::string s(128, '\0');
  size_t n = 0;
  int rc = read(s.data(), s.size(), &n);
  if (rc == HOOKD_OK && n > s.size()) {
    s.resize(n);
    rc = read(s.data(), s.size(), &n);
  }
  if (rc == HOOKD_NOT_FOUND) return std::optional<std::string>();
  if (rc != HOOKD_OK) return last_host_error();
  s.resize(n < s.size() ? n : s.size());
  return std::optional<std::string>(std::move(s));
}
template <class F>
Result<std::string> read_present(F read) {
  auto r = read_text(read);
  if (!r) return r.error();
  return std::move(r.value()).value_or(std::string());
}
}  // namespace detail

namespace kv {

inline Result<std::optional<std::string>> get(std::string_view key) {
  uint8_t* value = nullptr;
  size_t n = 0;
  int rc = hookd_kv_get(key.data(), key.size(), &value, &n);
  if (rc == HOOKD_NOT_FOUND) return std::optional<std::string>();
  if (rc != HOOKD_OK) return detail::last_host_error();
  return std::optional<std::string>(detail::take(value, n));
}

// Several keys in one host call (one snapshot; at most 1000 keys). A value
// longer than 256 bytes costs one more call of its own.
inline Result<std::vector<std::optional<std::string>>> get_many(const std::vector<std::string_view>& keys) {
  constexpr size_t kInline = 256;
  std::vector<hookd_kv_read_t> reads(keys.size());
  std::vector<std::string> values(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    values[i].resize(kInline);
    reads[i] = hookd_kv_read_t{keys[i].data(), keys[i].size(), values[i].data(), kInline, 0, 0};
  }
  if (hookd_kv_get_many(reads.data(), reads.size()) != HOOKD_OK) return detail::last_host_error();
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!reads[i].found) continue;
    if (reads[i].len <= kInline) {
      values[i].resize(reads[i].len);
      out[i] = std::move(values[i]);
      continue;
    }
    auto again = get(keys[i]);  // too long for the inline buffer
    if (!again) return again.error();
    out[i] = std::move(*again);
  }
  return out;
}

inline Result<bool> set(std::string_view key, std::string_view value, uint64_t ttl_ms = 0) {
  if (hookd_kv_set(key.data(), key.size(), value.data(), value.size(), ttl_ms) != HOOKD_OK) {
    return detail::last_host_error();
  }
  return true;
}

inline Result<bool> del(std::string_view key) {
  int existed = 0;
  if (hookd_kv_delete(key.data(), key.size(), &existed) != HOOKD_OK) return detail::last_host_error();
  return existed != 0;
}

inline Result<int64_t> incr(std::string_view key, int64_t delta) {
  int64_t value = 0;
  if (hookd_kv_incr(key.data(), key.size(), delta, &value) != HOOKD_OK) return detail::last_host_error();
  return value;
}

// expected nullopt: must not exist; desired nullopt: delete. True if swapped.
inline Result<bool> cas(std::string_view key, std::optional<std::string_view> expected,
                        std::optional<std::string_view> desired) {
  int swapped = 0;
  int rc = hookd_kv_cas(key.data(), key.size(), expected ? expected->data() : nullptr,
                        expected ? expected->size() : 0, desired ? desired->data() : nullptr,
                        desired ? desired->size() : 0, &swapped);
  if (rc != HOOKD_OK) return detail::last_host_error();
  return swapped != 0;
}

}  // namespace kv

// The plugin's configured value, or nullopt (not set, or config not granted).
inline std::optional<std::string> config_get(const std::string& key) {
  char* value = nullptr;
  size_t n = 0;
  if (hookd_config_get(key.c_str(), &value, &n) != HOOKD_OK) return std::nullopt;
  return detail::take(reinterpret_cast<uint8_t*>(value), n);
}

struct FetchRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
struct FetchResponse {
  int status = 0;
  std::string body;
};

inline Result<FetchResponse> fetch(const FetchRequest& req) {
  std::vector<hookd_header> headers;
  for (const auto& [k, v] : req.headers) headers.push_back({k.c_str(), v.c_str()});
  FetchResponse res;
  uint8_t* body = nullptr;
  size_t n = 0;
  if (hookd_fetch(req.method.c_str(), req.url.c_str(), headers.data(), headers.size(), req.body.data(),
                  req.body.size(), &res.status, &body, &n) != HOOKD_OK) {
    return detail::last_host_error();
  }
  res.body = detail::take(body, n);
  return res;
}

// The HTTP request this call answers (an error when it has none).
namespace request {
inline Result<std::string> method() { return detail::read_present(hookd_request_method); }
inline Result<std::string> path() { return detail::read_present(hookd_request_path); }
inline Result<std::string> path_decoded() { return detail::read_present(hookd_request_path_decoded); }
inline Result<std::string> query() { return detail::read_present(hookd_request_query); }
inline Result<std::string> client_address() { return detail::read_present(hookd_request_client_address); }
inline Result<std::string> id() { return detail::read_present(hookd_request_id); }
// The call's span as a W3C traceparent; empty when tracing is off.
inline Result<std::string> traceparent() { return detail::read_present(hookd_request_traceparent); }
// The index-th value of header `name` (any case), or nullopt.
inline Result<std::optional<std::string>> header(const std::string& name, size_t index = 0) {
  return detail::read_text([&](char* buf, size_t cap, size_t* len) {
    return hookd_request_header(name.c_str(), index, buf, cap, len);
  });
}
inline Result<std::optional<std::string>> query_param(const std::string& name) {
  return detail::read_text([&](char* buf, size_t cap, size_t* len) {
    return hookd_request_query_param(name.c_str(), buf, cap, len);
  });
}
inline Result<std::optional<std::string>> route_param(const std::string& name) {
  return detail::read_text(
      [&](char* buf, size_t cap, size_t* len) { return hookd_route_param(name.c_str(), buf, cap, len); });
}
// Every header in the order received, repeated ones kept.
inline Result<std::vector<std::pair<std::string, std::string>>> headers() {
  uint8_t* raw = nullptr;
  size_t n = 0;
  if (hookd_request_headers(&raw, &n) != HOOKD_OK) return detail::last_host_error();
  std::vector<std::pair<std::string, std::string>> out;
  size_t offset = 0;
  hookd_header_view h;
  while (hookd_request_headers_next(raw, n, &offset, &h))
    out.emplace_back(std::string(h.name, h.name_len), std::string(h.value, h.value_len));
  std::free(raw);
  return out;
}
}  // namespace request

// The response this call shapes; a refusal is an error (hookd_last_error).
namespace response {
inline Result<bool> set_status(int status) {
  if (hookd_response_set_status(status) != HOOKD_OK) return detail::last_host_error();
  return true;
}
inline Result<bool> add_header(std::string_view name, std::string_view value) {
  if (hookd_response_add_header_n(name.data(), name.size(), value.data(), value.size()) != HOOKD_OK)
    return detail::last_host_error();
  return true;
}
}  // namespace response

// SHA-256, HMAC-SHA256 and a constant-time compare (the crypto grant).
namespace crypto {
using Digest = std::array<uint8_t, HOOKD_SHA256_BYTES>;
inline Result<Digest> sha256(std::string_view data) {
  Digest d{};
  if (hookd_sha256(data.data(), data.size(), d.data()) != HOOKD_OK) return detail::last_host_error();
  return d;
}
inline Result<Digest> hmac_sha256(std::string_view key, std::string_view message) {
  Digest d{};
  if (hookd_hmac_sha256(key.data(), key.size(), message.data(), message.size(), d.data()) != HOOKD_OK)
    return detail::last_host_error();
  return d;
}
inline Result<bool> equal(std::string_view a, std::string_view b) {
  int same = 0;
  if (hookd_constant_time_equal(a.data(), a.size(), b.data(), b.size(), &same) != HOOKD_OK)
    return detail::last_host_error();
  return same != 0;
}
}  // namespace crypto

}  // namespace hookd::pdk
