// Helpers shared by the transcoding tests.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <msgpack.hpp>
#include <random>
#include <string>
#include <vector>

#include "hookd/server/transcode.hpp"

namespace hookd::server::transcode_test {

using Bytes = std::vector<uint8_t>;

inline Bytes to_mp(std::string_view json, const TranscodeLimits& limits = {}) {
  Bytes out;
  auto r = json_to_msgpack(json, out, limits);
  EXPECT_TRUE(r) << json << " -> " << (r ? "" : r.error().message);
  return out;
}

inline std::string to_json(const Bytes& mp, const TranscodeLimits& limits = {}) {
  std::string out;
  auto r = msgpack_to_json(mp, out, limits);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return out;
}

inline std::string json_error(std::string_view json, const TranscodeLimits& limits = {}) {
  Bytes out = {0xAA};  // must survive a failed call untouched
  auto r = json_to_msgpack(json, out, limits);
  EXPECT_FALSE(r) << json;
  EXPECT_EQ(out, Bytes{0xAA}) << json;
  return r ? std::string() : r.error().message;
}

inline std::string mp_error(const Bytes& mp, const TranscodeLimits& limits = {}) {
  std::string out = "prefix";
  auto r = msgpack_to_json(mp, out, limits);
  EXPECT_FALSE(r);
  EXPECT_EQ(out, "prefix");
  return r ? std::string() : r.error().message;
}

inline Bytes hex(std::string_view s) {
  Bytes b;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    uint8_t v = 0;
    std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    b.push_back(v);
    i += 2;
  }
  return b;
}

// msgpack-cxx packs integral doubles as integers; the tests want float64.
inline void pack_float64(msgpack::sbuffer& sb, double d) {
  uint64_t bits = std::bit_cast<uint64_t>(d);
  char buf[9] = {static_cast<char>(0xcb)};
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  sb.write(buf, sizeof buf);
}

inline Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace hookd::server::transcode_test
