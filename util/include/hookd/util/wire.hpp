// The byte layout of hookd's built-in host functions' payloads (docs/abi.md,
// "Built-in host functions"): little-endian fixed-width integers, `bytes` as
// a u32 length and then the bytes, and "rest" as every remaining byte. Simple
// enough for the C PDK to produce without a serialisation library. The host
// functions (host/) decode requests and encode replies with it; the WASI host
// (engine/) encodes the requests it makes to them and decodes their replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hookd::util::wire {

// Every read is bounds-checked: nullopt once the input runs short.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}

  template <class T>
  requires std::is_integral_v<T> std::optional<T> fixed() {
    if (in_.size() - pos_ < sizeof(T)) return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(in_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  std::optional<std::string_view> bytes() {  // u32 length, then the bytes
    auto n = fixed<uint32_t>();
    if (!n || in_.size() - pos_ < *n) return std::nullopt;
    const std::string_view s(reinterpret_cast<const char*>(in_.data() + pos_), *n);
    pos_ += *n;
    return s;
  }
  std::string_view rest() {
    const std::string_view s(reinterpret_cast<const char*>(in_.data() + pos_), in_.size() - pos_);
    pos_ = in_.size();
    return s;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// Writes into `out`, which it empties first (its capacity is kept).
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) { out_.clear(); }

  template <class T>
  requires std::is_integral_v<T> Writer& fixed(T v) {
    // resize and store rather than insert: GCC 12 warns (falsely) about
    // vector::insert of a few bytes right after clear().
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    for (size_t i = 0; i < sizeof(T); ++i)
      out_[at + i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
    return *this;
  }
  Writer& bytes(std::string_view s) {
    fixed(static_cast<uint32_t>(s.size()));
    return raw(s);
  }
  Writer& raw(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }

 private:
  std::vector<uint8_t>& out_;
};

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace hookd::util::wire
