// The byte layout of the built-in host functions' payloads (docs/abi.md,
// "Built-in host functions"): little-endian fixed-width integers and
// u32-length-prefixed byte strings. Simple enough for the C PDK to produce
// without a serialisation library; every read is bounds-checked.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hookd::host::wire {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  template <class T>
  std::optional<T> fixed() {
    if (data_.size() - pos_ < sizeof(T)) return std::nullopt;
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::optional<std::string_view> bytes() {  // u32 length, then the bytes
    auto n = fixed<uint32_t>();
    if (!n || data_.size() - pos_ < *n) return std::nullopt;
    std::string_view s(reinterpret_cast<const char*>(data_.data() + pos_), *n);
    pos_ += *n;
    return s;
  }
  std::string_view rest() {
    std::string_view s(reinterpret_cast<const char*>(data_.data() + pos_), data_.size() - pos_);
    pos_ = data_.size();
    return s;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) { out_.clear(); }
  template <class T>
  Writer& fixed(T v) {
    // resize + memcpy rather than insert: GCC 12 warns (falsely) about
    // vector::insert of a few bytes right after clear().
    const std::size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
    return *this;
  }
  Writer& bytes(std::string_view s) {
    fixed<uint32_t>(static_cast<uint32_t>(s.size()));
    return raw(s);
  }
  Writer& raw(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }

 private:
  std::vector<uint8_t>& out_;
};

}  // namespace hookd::host::wire
