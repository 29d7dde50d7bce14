// JSON -> msgpack cross-checked against msgpack-cxx on random documents, and
// simdjson as the oracle for which mutated JSON texts are valid.
#include <gtest/gtest.h>

#include "transcode_test_support.hpp"

namespace hookd::server {
namespace {

using namespace transcode_test;  // NOLINT: test helpers

// ---- cross-check against msgpack-cxx ----------------------------------------

// Builds a random document as JSON text (with random whitespace and escape
// spellings) and, independently, as msgpack packed by msgpack-cxx.
class RandomDocument {
 public:
  explicit RandomDocument(uint64_t seed) : rng_(seed) {}

  void build(std::string& json, msgpack::sbuffer& mp) {
    json.clear();
    mp.clear();
    msgpack::packer<msgpack::sbuffer> pk(mp);
    buffer_ = &mp;
    value(json, pk, 0);
  }

 private:
  uint64_t pick(uint64_t n) { return rng_() % n; }

  void space(std::string& json) {
    static constexpr std::string_view kSpaces[] = {"", "", "", " ", "\n  ", "\t", "\r\n"};
    json += kSpaces[pick(std::size(kSpaces))];
  }

  void value(std::string& json, msgpack::packer<msgpack::sbuffer>& pk, int depth) {
    space(json);
    switch (pick(depth < 5 ? 10 : 8)) {
      case 0:
        json += "null";
        pk.pack_nil();
        break;
      case 1: {
        const bool b = pick(2);
        json += b ? "true" : "false";
        b ? pk.pack_true() : pk.pack_false();
        break;
      }
      case 2:
      case 3: {
        // Integers spread over every encoding width.
        const int bits = static_cast<int>(pick(64));
        if (pick(2)) {
          const uint64_t v = bits == 0 ? 0 : rng_() >> (64 - bits);
          json += std::to_string(v);
          pk.pack_uint64(v);
        } else {
          const int64_t v = -static_cast<int64_t>(bits == 0 ? 1 : (rng_() >> (64 - bits)) | 1);
          json += std::to_string(v);
          pk.pack_int64(v);
        }
        break;
      }
      case 4: {
        double d = std::bit_cast<double>(rng_());
        if (!std::isfinite(d)) d = static_cast<double>(pick(1000)) / 8;
        char buf[40];
        auto end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific).ptr;
        json.append(buf, end);  // scientific: never mistaken for an integer
        pack_float64(*buffer_, d);
        break;
      }
      case 5:
      case 6:
      case 7: {
        const std::string s = text();
        string(json, s);
        pk.pack_str(static_cast<uint32_t>(s.size()));
        pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
        break;
      }
      case 8: {
        const size_t n = pick(4) == 0 ? pick(40) : pick(5);
        json += '[';
        pk.pack_array(static_cast<uint32_t>(n));
        for (size_t i = 0; i < n; ++i) {
          if (i) json += ',';
          value(json, pk, depth + 1);
        }
        space(json);
        json += ']';
        break;
      }
      default: {
        const size_t n = pick(4) == 0 ? pick(30) : pick(5);
        json += '{';
        pk.pack_map(static_cast<uint32_t>(n));
        for (size_t i = 0; i < n; ++i) {
          if (i) json += ',';
          space(json);
          const std::string k = text();
          string(json, k);
          pk.pack_str(static_cast<uint32_t>(k.size()));
          pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
          space(json);
          json += ':';
          value(json, pk, depth + 1);
        }
        space(json);
        json += '}';
        break;
      }
    }
    space(json);
  }

  // Random UTF-8 text mixing ASCII, controls, and 2-, 3- and 4-byte characters.
  std::string text() {
    std::string s;
    const size_t n = pick(5) == 0 ? pick(300) : pick(12);
    for (size_t i = 0; i < n; ++i) {
      uint32_t cp;
      switch (pick(8)) {
        case 0:
          cp = static_cast<uint32_t>(pick(0x20));
          break;
        case 1:
          cp = 0x80 + static_cast<uint32_t>(pick(0x780));
          break;
        case 2:
          cp = 0x800 + static_cast<uint32_t>(pick(0xD000));
          break;  // below the surrogates
        case 3:
          cp = 0x10000 + static_cast<uint32_t>(pick(0x100000));
          break;
        default:
          cp = 0x20 + static_cast<uint32_t>(pick(0x5f));
          break;
      }
      append_utf8(s, cp);
    }
    return s;
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | cp >> 6);
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | cp >> 12);
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | cp >> 18);
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Writes `s` as a JSON string, spelling characters in randomly chosen ways.
  void string(std::string& json, std::string_view s) {
    json += '"';
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<uint8_t>(s[i]);
      const size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      uint32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<uint8_t>(s[i + k]) & 0x3f);
      if (c == '"' || c == '\\') {
        json += '\\';
        json += static_cast<char>(c);
      } else if (c < 0x20 || pick(8) == 0) {
        char buf[16];
        if (cp >= 0x10000) {
          const uint32_t v = cp - 0x10000;
          std::snprintf(buf, sizeof buf, "\\u%04X\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3ff));
        } else {
          std::snprintf(buf, sizeof buf, "\\u%04x", cp);
        }
        json += buf;
      } else {
        json.append(s.substr(i, len));
      }
      i += len;
    }
    json += '"';
  }

  std::mt19937_64 rng_;
  msgpack::sbuffer* buffer_ = nullptr;
};

TEST(CrossCheck, RandomDocumentsEncodeExactlyAsMsgpackCxxPacksThem) {
  RandomDocument gen(2024);
  std::string json, back;
  msgpack::sbuffer expected;
  Bytes mp, again;
  for (int i = 0; i < 3000; ++i) {
    gen.build(json, expected);
    mp.clear();
    auto r = json_to_msgpack(json, mp);
    ASSERT_TRUE(r) << r.error().message << "\n" << json;
    ASSERT_EQ(std::string_view(reinterpret_cast<const char*>(mp.data()), mp.size()),
              std::string_view(expected.data(), expected.size()))
        << json;
    // msgpack-cxx reads what we wrote as one complete object...
    size_t offset = 0;
    msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(mp.data()), mp.size(), offset);
    ASSERT_EQ(offset, mp.size());
    // ...and going back to JSON and again to msgpack changes nothing.
    back.clear();
    auto j = msgpack_to_json(mp, back);
    ASSERT_TRUE(j) << j.error().message;
    again.clear();
    ASSERT_TRUE(json_to_msgpack(back, again));
    ASSERT_EQ(again, mp) << back;
  }
}

// Our acceptance must match simdjson's DOM, except that integers beyond 64
// bits (which simdjson refuses as NUMBER_ERROR) are accepted as float64.
TEST(CrossCheck, MutatedJsonIsAcceptedExactlyWhenSimdjsonAcceptsIt) {
  RandomDocument gen(99);
  std::mt19937_64 rng(5);
  simdjson::dom::parser parser;
  std::string json;
  msgpack::sbuffer ignored;
  Bytes out;
  static constexpr char kNoise[] = "{}[],:\"\\ 0-1e.tfn";
  for (int i = 0; i < 20000; ++i) {
    gen.build(json, ignored);
    if (json.empty()) continue;
    for (int m = 0, n = 1 + rng() % 2; m < n; ++m) {
      const size_t at = rng() % json.size();
      switch (rng() % 3) {
        case 0:
          json[at] = kNoise[rng() % (sizeof kNoise - 1)];
          break;
        case 1:
          json.erase(at, 1);
          break;
        default:
          json.insert(at, 1, kNoise[rng() % (sizeof kNoise - 1)]);
          break;
      }
      if (json.empty()) break;
    }
    const simdjson::error_code dom = parser.parse(simdjson::padded_string(json)).error();
    out.clear();
    auto ours = json_to_msgpack(json, out);
    if (dom == simdjson::SUCCESS) {
      ASSERT_TRUE(ours) << ours.error().message << "\n" << json;
    } else if (dom != simdjson::NUMBER_ERROR) {
      ASSERT_FALSE(ours) << json;
      ASSERT_TRUE(ours.error().message.starts_with("invalid JSON")) << ours.error().message;
    }
  }
}

}  // namespace
}  // namespace hookd::server
