// The few MessagePack shapes waPC host calls exchange (docs/abi.md, "waPC
// plugins"): maps with string keys whose values are strings, byte strings,
// integers, booleans, nil or maps of strings. Every read is bounds-checked
// and returns nullopt on a malformed or unexpected value; nothing throws and
// nothing allocates on the read side.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hookd::engine::abi {

class MsgpackReader {
 public:
  explicit MsgpackReader(std::span<const uint8_t> in) : in_(in) {}

  // A map's entry count (fixmap, map16, map32).
  std::optional<uint32_t> map_header();
  // A str or bin value, as bytes.
  std::optional<std::string_view> bytes();
  // Any integer that fits in an int64.
  std::optional<int64_t> integer();
  // Consumes a nil when one is next.
  bool nil();
  // Steps over one value of any type, nested at most `max_depth` deep.
  bool skip(int max_depth = 8);
  [[nodiscard]] bool at_end() const { return pos_ == in_.size(); }

 private:
  std::optional<uint64_t> be(size_t width);
  std::optional<std::string_view> take(uint64_t n);

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::vector<uint8_t>& out) : out_(out) {}
  MsgpackWriter& map_header(uint32_t n);
  MsgpackWriter& array_header(uint32_t n);
  MsgpackWriter& str(std::string_view s);
  MsgpackWriter& bin(std::string_view b);
  MsgpackWriter& integer(int64_t v);
  MsgpackWriter& boolean(bool b);

 private:
  void be(uint64_t v, size_t width);
  void sized(uint8_t first, size_t n);
  void raw(std::string_view b);

  std::vector<uint8_t>& out_;
};

}  // namespace hookd::engine::abi
