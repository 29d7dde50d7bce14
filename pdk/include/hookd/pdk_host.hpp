// C++ layer over <hookd/pdk_host.h>: key-value storage, config values and
// fetch as hookd::pdk::Result values (no exceptions).
//
//   auto n = hookd::pdk::kv::incr("count", 1);            // Result<int64_t>
//   auto v = hookd::pdk::kv::get("user:1");               // Result<std::optional<std::string>>
//   auto g = hookd::pdk::config_get("greeting");          // std::optional<std::string>
//   auto r = hookd::pdk::fetch({"GET", "https://api.example.com/x"});  // Result<FetchResponse>
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
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

}  // namespace hookd::pdk
