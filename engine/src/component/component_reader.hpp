// A bounds-checked cursor over a component binary. Every read either
// succeeds or records the first error (with the byte offset it happened at,
// counted from the start of the whole binary) and returns false; callers
// return false up to the top, which turns the recorded error into a Result.
// Nothing here allocates from a count it has not checked against the bytes
// left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hookd/engine/result.hpp"

namespace hookd::engine::component {

// The sticky first error of one parse, shared by the readers of all its
// sections, and the parse's budget of items (every vec element counts).
class ParseError {
 public:
  explicit ParseError(uint64_t max_items) : items_left_(max_items) {}
  // Takes `n` items from the budget; false once it is spent.
  bool take_items(uint64_t n) {
    if (n > items_left_) return false;
    items_left_ -= n;
    return true;
  }

  // Records `what` at `offset` unless an error is recorded already. Returns
  // false so a caller can `return errors.fail(...)`.
  bool fail(size_t offset, std::string_view what);
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] Error error() const;

 private:
  bool failed_ = false;
  size_t offset_ = 0;
  std::string what_;
  uint64_t items_left_;
};

class ComponentReader {
 public:
  // Reads data[begin, end); offsets reported are positions in `data`.
  ComponentReader(std::span<const uint8_t> data, size_t begin, size_t end, ParseError& errors,
                  uint32_t max_name_bytes)
      : data_(data), pos_(begin), end_(end), errors_(&errors), max_name_bytes_(max_name_bytes) {}

  bool u8(uint8_t& out, std::string_view what);
  // Unsigned LEB128 of at most 32 bits (no overlong encodings past 5 bytes,
  // no bits past 32).
  bool u32(uint32_t& out, std::string_view what);
  bool u64(uint64_t& out, std::string_view what);
  // Signed LEB128 of at most `bits` bits, skipped.
  bool skip_sleb(int bits, std::string_view what);
  // Signed LEB128 of at most 33 bits (a valtype: a type index, or a
  // negative primitive type code).
  bool s33(int64_t& out, std::string_view what);
  // A length-prefixed UTF-8 string of at most max_name_bytes.
  bool name(std::string& out, std::string_view what);
  // A vec count, checked against the bytes left (each item needs at least
  // `min_item_bytes`) and against `max_items`.
  bool count(uint32_t& out, uint32_t max_items, std::string_view what, size_t min_item_bytes = 1);
  bool skip(size_t n, std::string_view what);
  // Fails unless the reader is at `end_` (a section's contents are exactly
  // its items).
  bool expect_end(std::string_view what);

  // Records an error at the current offset.
  bool fail(std::string_view what) { return errors_->fail(pos_, what); }
  bool fail_at(size_t offset, std::string_view what) { return errors_->fail(offset, what); }

  [[nodiscard]] size_t pos() const { return pos_; }
  [[nodiscard]] size_t end() const { return end_; }
  [[nodiscard]] size_t remaining() const { return end_ - pos_; }
  [[nodiscard]] std::span<const uint8_t> data() const { return data_; }
  [[nodiscard]] ParseError& errors() const { return *errors_; }
  [[nodiscard]] uint32_t max_name_bytes() const { return max_name_bytes_; }

 private:
  bool leb(uint64_t& out, int bits, std::string_view what);

  std::span<const uint8_t> data_;
  size_t pos_;
  size_t end_;
  ParseError* errors_;
  uint32_t max_name_bytes_;
};

}  // namespace hookd::engine::component
