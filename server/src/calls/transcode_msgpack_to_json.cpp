// MessagePack -> JSON (see hookd/server/transcode.hpp).
//
// The input is a plugin's output, so it is untrusted: every read is bounds
// checked, declared lengths and counts are checked against the bytes that
// remain before anything is allocated for them, and nesting is tracked on an
// explicit, bounded stack rather than by recursion.
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "hookd/server/transcode.hpp"
#include "hookd/util/base64.hpp"
#include "hookd/util/hex.hpp"
#include "hookd/util/utf8.hpp"

namespace hookd::server {
namespace {

// What each byte needs inside a JSON string: 0 copy as is, 1 escape, 2 part
// of a multi-byte UTF-8 sequence (copied as is once the string is validated).
constexpr std::array<uint8_t, 256> kStringClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

struct Frame {
  uint64_t remaining;  // items left; a map counts keys and values separately
  bool is_map;
  bool next_is_key;
};

class Decoder {
 public:
  Decoder(std::span<const uint8_t> in, std::string& out, const TranscodeLimits& limits)
      : in_(in),
        out_(out),
        start_(out.size()),
        limit_(limits.max_output_bytes),
        max_depth_(std::min(limits.max_depth, kMaxTranscodeDepth)) {}

  std::expected<void, TranscodeError> run() {
    if (in_.empty()) return error("empty msgpack input");
    for (;;) {
      if (pos_ == in_.size()) {
        return error("msgpack truncated: expected another value at byte " + std::to_string(pos_));
      }
      const bool is_key = depth_ > 0 && stack_[depth_ - 1].is_map && stack_[depth_ - 1].next_is_key;
      if (is_key) {
        if (auto r = key(); !r) return r;
      } else {
        uint64_t count = 0;
        bool is_map = false;
        auto r = value(count, is_map);
        if (!r) return std::unexpected(std::move(r.error()));
        if (*r) {  // a non-empty container opened: descend into it (open() checked the depth)
          stack_[depth_++] = Frame{is_map ? count * 2 : count, is_map, true};
          continue;
        }
      }
      if (out_.size() - start_ > limit_) return output_limit();
      // One item is complete: close every container it completes.
      while (depth_ > 0) {
        Frame& f = stack_[depth_ - 1];
        --f.remaining;
        if (f.is_map) f.next_is_key = !f.next_is_key;
        if (f.remaining > 0) {
          if (!f.is_map || f.next_is_key) out_.push_back(',');
          break;
        }
        out_.push_back(f.is_map ? '}' : ']');
        --depth_;
      }
      if (depth_ == 0) break;
    }
    if (out_.size() - start_ > limit_) return output_limit();
    if (pos_ != in_.size()) {
      return error(std::to_string(in_.size() - pos_) + " unexpected bytes after the msgpack value, at byte " +
                   std::to_string(pos_));
    }
    return {};
  }

 private:
  using Result = std::expected<void, TranscodeError>;

  // Writes one value. Returns true when it opened a non-empty container (its
  // element count, doubled for maps by the caller, is in `count`).
  std::expected<bool, TranscodeError> value(uint64_t& count, bool& is_map) {
    const size_t at = pos_;
    const uint8_t tag = in_[pos_++];
    if (tag <= 0x7f) return scalar(append_uint(tag));
    if (tag >= 0xe0) return scalar(append_int(static_cast<int8_t>(tag)));
    if (tag <= 0x8f) return open(at, tag & 0x0f, true, count, is_map);
    if (tag <= 0x9f) return open(at, tag & 0x0f, false, count, is_map);
    if (tag <= 0xbf) return scalar(string(at, tag & 0x1f));
    switch (tag) {
      case 0xc0:
        out_.append("null");
        return false;
      case 0xc2:
        out_.append("false");
        return false;
      case 0xc3:
        out_.append("true");
        return false;
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        uint64_t n = 0;
        if (auto r = length(at, tag - 0xc4, n); !r) return std::unexpected(r.error());
        return scalar(base64(at, n));
      }
      case 0xc7:
      case 0xc8:
      case 0xc9:
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return ext(at, tag);
      case 0xca: {
        uint32_t bits = 0;
        if (auto r = read(at, bits); !r) return std::unexpected(r.error());
        return scalar(append_float(at, std::bit_cast<float>(bits)));
      }
      case 0xcb: {
        uint64_t bits = 0;
        if (auto r = read(at, bits); !r) return std::unexpected(r.error());
        return scalar(append_float(at, std::bit_cast<double>(bits)));
      }
      case 0xcc:
        return scalar(read_int<uint8_t>(at));
      case 0xcd:
        return scalar(read_int<uint16_t>(at));
      case 0xce:
        return scalar(read_int<uint32_t>(at));
      case 0xcf:
        return scalar(read_int<uint64_t>(at));
      case 0xd0:
        return scalar(read_int<int8_t>(at));
      case 0xd1:
        return scalar(read_int<int16_t>(at));
      case 0xd2:
        return scalar(read_int<int32_t>(at));
      case 0xd3:
        return scalar(read_int<int64_t>(at));
      case 0xd9:
      case 0xda:
      case 0xdb: {
        uint64_t n = 0;
        if (auto r = length(at, tag - 0xd9, n); !r) return std::unexpected(r.error());
        return scalar(string(at, n));
      }
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf: {
        uint64_t n = 0;
        if (auto r = length(at, (tag - 0xdc) % 2 + 1, n); !r) return std::unexpected(r.error());
        return open(at, n, tag >= 0xde, count, is_map);
      }
      default:  // 0xc1
        return error("invalid msgpack: byte 0xc1 (never used) at byte " + std::to_string(at));
    }
  }

  // Map keys: JSON wants strings, so str keys pass through and int keys (a
  // common msgpack idiom) become their decimal text; nothing else has an
  // obvious string form.
  Result key() {
    const size_t at = pos_;
    const uint8_t tag = in_[pos_++];
    if ((tag >= 0xa0 && tag <= 0xbf) || (tag >= 0xd9 && tag <= 0xdb)) {
      uint64_t n = tag & 0x1f;
      if (tag >= 0xd9) {
        if (auto r = length(at, tag - 0xd9, n); !r) return r;
      }
      if (auto r = string(at, n); !r) return r;
    } else if (tag <= 0x7f || tag >= 0xe0 || (tag >= 0xcc && tag <= 0xd3)) {
      out_.push_back('"');
      Result r = tag <= 0x7f   ? append_uint(tag)
                 : tag >= 0xe0 ? append_int(static_cast<int8_t>(tag))
                               : int_key(at, tag);
      if (!r) return r;
      out_.push_back('"');
    } else {
      return error("map key at byte " + std::to_string(at) + " is " + type_name(tag) +
                   "; JSON object keys must be strings (integer keys are converted)");
    }
    out_.push_back(':');
    return {};
  }

  Result int_key(size_t at, uint8_t tag) {
    switch (tag) {
      case 0xcc:
        return read_int<uint8_t>(at);
      case 0xcd:
        return read_int<uint16_t>(at);
      case 0xce:
        return read_int<uint32_t>(at);
      case 0xcf:
        return read_int<uint64_t>(at);
      case 0xd0:
        return read_int<int8_t>(at);
      case 0xd1:
        return read_int<int16_t>(at);
      case 0xd2:
        return read_int<int32_t>(at);
      default:
        return read_int<int64_t>(at);
    }
  }

  static std::expected<bool, TranscodeError> scalar(Result r) {
    if (!r) return std::unexpected(std::move(r.error()));
    return false;
  }

  std::expected<bool, TranscodeError> open(size_t at, uint64_t n, bool map, uint64_t& count, bool& is_map) {
    // Every element takes at least one byte, so a count the remaining input
    // cannot hold is a lie; catching it here keeps the error message honest
    // (and `remaining` far from overflow).
    const uint64_t min_bytes = map ? n * 2 : n;
    if (min_bytes > in_.size() - pos_) {
      return error(std::string("msgpack truncated: ") + (map ? "map" : "array") + " at byte " +
                   std::to_string(at) + " declares " + std::to_string(n) + " elements but only " +
                   std::to_string(in_.size() - pos_) + " bytes follow");
    }
    // Empty containers count too: json_to_msgpack refuses `[]` one level too
    // deep, so writing it here would hand the client JSON that the gateway
    // itself (and any parser with the same limit) refuses to read back.
    if (depth_ >= max_depth_) {
      return error("msgpack nesting deeper than " + std::to_string(max_depth_) + " at byte " +
                   std::to_string(at));
    }
    if (n == 0) {
      out_.append(map ? "{}" : "[]");
      return false;
    }
    out_.push_back(map ? '{' : '[');
    count = n;
    is_map = map;
    return true;
  }

  template <class T>
  Result read(size_t at, T& v) {
    if (auto r = need(at, sizeof(T)); !r) return r;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = std::byteswap(v);
    pos_ += sizeof(T);
    return {};
  }

  template <class T>
  Result read_int(size_t at) {
    std::make_unsigned_t<T> bits = 0;
    if (auto r = read(at, bits); !r) return r;
    if constexpr (std::is_signed_v<T>)
      return append_int(static_cast<T>(bits));
    else
      return append_uint(bits);
  }

  // Reads the 1-, 2- or 4-byte length that follows str8/16/32, bin8/16/32,
  // array16/32 and map16/32 (width_code 0, 1, 2 for 1, 2, 4 bytes).
  Result length(size_t at, int width_code, uint64_t& n) {
    if (width_code == 0) {
      uint8_t v = 0;
      if (auto r = read(at, v); !r) return r;
      n = v;
    } else if (width_code == 1) {
      uint16_t v = 0;
      if (auto r = read(at, v); !r) return r;
      n = v;
    } else {
      uint32_t v = 0;
      if (auto r = read(at, v); !r) return r;
      n = v;
    }
    return {};
  }

  Result need(size_t at, uint64_t n) {
    if (n <= in_.size() - pos_) return {};
    return error("msgpack truncated: value at byte " + std::to_string(at) + " needs " + std::to_string(n) +
                 " more bytes but only " + std::to_string(in_.size() - pos_) + " remain");
  }

  Result append_uint(uint64_t v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
    return {};
  }

  Result append_int(int64_t v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
    return {};
  }

  // Shortest text that reads back as the same value; a '.0' is added to
  // integral values so that JSON -> msgpack gives back a float, not an int.
  template <class F>
  Result append_float(size_t at, F v) {
    if (!std::isfinite(v)) {
      return error(std::string("float at byte ") + std::to_string(at) + " is " +
                   (std::isnan(v) ? "NaN" : "infinite") + ", which JSON cannot represent");
    }
    char buf[40];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    const std::string_view text(buf, res.ptr);
    out_.append(text);
    if (text.find_first_of(".e") == std::string_view::npos) out_.append(".0");
    return {};
  }

  Result string(size_t at, uint64_t n) {
    if (auto r = need(at, n); !r) return r;
    // Cheap early check: the quoted string alone cannot fit.
    if (n + 2 > limit_ - std::min(limit_, out_.size() - start_)) return output_limit();
    const auto* p = reinterpret_cast<const char*>(in_.data() + pos_);
    pos_ += n;
    out_.push_back('"');
    bool ascii = true;
    size_t run = 0;  // start of the bytes not yet copied
    for (size_t i = 0; i < n; ++i) {
      const uint8_t cls = kStringClass[static_cast<uint8_t>(p[i])];
      if (cls == 0) continue;
      if (cls == 2) {
        ascii = false;
        continue;
      }
      out_.append(p + run, i - run);
      run = i + 1;
      escape(static_cast<uint8_t>(p[i]));
      // Escapes can grow a string six-fold; stop before that passes the limit.
      if (out_.size() - start_ > limit_) return output_limit();
    }
    out_.append(p + run, n - run);
    out_.push_back('"');
    if (!ascii && !util::valid_utf8({p, static_cast<size_t>(n)})) {
      return error("string at byte " + std::to_string(at) + " is not valid UTF-8");
    }
    return {};
  }

  void escape(uint8_t c) {
    switch (c) {
      case '"':
        out_.append("\\\"");
        return;
      case '\\':
        out_.append("\\\\");
        return;
      case '\b':
        out_.append("\\b");
        return;
      case '\f':
        out_.append("\\f");
        return;
      case '\n':
        out_.append("\\n");
        return;
      case '\r':
        out_.append("\\r");
        return;
      case '\t':
        out_.append("\\t");
        return;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', util::kHexDigits[c >> 4], util::kHexDigits[c & 0xf]};
        out_.append(u, sizeof u);
      }
    }
  }

  Result base64(size_t at, uint64_t n) {
    if (auto r = need(at, n); !r) return r;
    const uint64_t encoded = util::base64_encoded_size(n) + 2;
    if (encoded > limit_ - std::min(limit_, out_.size() - start_)) return output_limit();
    const uint8_t* p = in_.data() + pos_;
    pos_ += n;
    const size_t first = out_.size();
    out_.resize(first + encoded);  // sized exactly up front: one allocation at most
    char* o = out_.data() + first;
    *o++ = '"';
    o = util::base64_encode_to({p, static_cast<size_t>(n)}, o);
    *o = '"';
    return {};
  }

  std::unexpected<TranscodeError> ext(size_t at, uint8_t tag) {
    // fixext1..16 carry the type right after the tag; ext8/16/32 after the length.
    const size_t type_offset = tag >= 0xd4 ? 1 : 1 + (size_t{1} << (tag - 0xc7));
    std::string what = "msgpack ext value";
    if (type_offset < in_.size() - at) {
      const auto type = static_cast<int8_t>(in_[at + type_offset]);
      what += " (type " + std::to_string(type) + (type == -1 ? ", timestamp" : "") + ")";
    }
    return error(what + " at byte " + std::to_string(at) +
                 " has no JSON form; the function's output cannot be returned as JSON");
  }

  static std::string type_name(uint8_t tag) {
    if (tag <= 0x8f && tag >= 0x80) return "a map";
    if (tag >= 0x90 && tag <= 0x9f) return "an array";
    switch (tag) {
      case 0xc0:
        return "nil";
      case 0xc1:
        return "the invalid byte 0xc1";
      case 0xc2:
      case 0xc3:
        return "a boolean";
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return "binary";
      case 0xca:
      case 0xcb:
        return "a float";
      case 0xdc:
      case 0xdd:
        return "an array";
      case 0xde:
      case 0xdf:
        return "a map";
      default:
        return "an ext value";
    }
  }

  std::unexpected<TranscodeError> output_limit() {
    return error("JSON output exceeds the limit of " + std::to_string(limit_) + " bytes");
  }

  // Converts to any std::expected; restores `out` so a failed call leaves no trace.
  std::unexpected<TranscodeError> error(std::string message) {
    out_.resize(start_);
    return std::unexpected(TranscodeError{std::move(message)});
  }

  std::span<const uint8_t> in_;
  std::string& out_;
  size_t pos_ = 0;
  size_t start_;
  size_t limit_;
  size_t max_depth_;
  size_t depth_ = 0;  // containers open around the value being read
  std::array<Frame, kMaxTranscodeDepth> stack_;
};

}  // namespace

std::expected<void, TranscodeError> msgpack_to_json(std::span<const uint8_t> mp, std::string& out,
                                                    const TranscodeLimits& limits) {
  // The only exception that can arise is running out of memory while
  // growing `out`; it must not take the worker down.
  const size_t start = out.size();
  try {
    return Decoder(mp, out, limits).run();
  } catch (const std::bad_alloc&) {
    out.resize(start);
    return std::unexpected(TranscodeError{"out of memory while converting msgpack to JSON"});
  }
}

}  // namespace hookd::server
