// Internal pieces of the wasm binary reader shared by the parser
// (wasm_binary.cpp) and the limit checker (module_limits.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/engine/result.hpp"

namespace hookd::engine::wasm {

constexpr uint8_t kTypeSection = 1;
constexpr uint8_t kImportSection = 2;
constexpr uint8_t kFunctionSection = 3;
constexpr uint8_t kTableSection = 4;
constexpr uint8_t kMemorySection = 5;
constexpr uint8_t kGlobalSection = 6;
constexpr uint8_t kExportSection = 7;
constexpr uint8_t kElementSection = 9;
constexpr uint8_t kCodeSection = 10;
constexpr uint8_t kDataSection = 11;

// Bounds-checked cursor over the binary; every read reports failure instead
// of reading past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  bool u8(uint8_t& out) {
    if (pos_ >= data_.size()) return false;
    out = data_[pos_++];
    return true;
  }
  bool leb(uint64_t& out, int max_bits) {
    out = 0;
    const int max_bytes = (max_bits + 6) / 7;
    for (int i = 0; i < max_bytes; ++i) {
      uint8_t b = 0;
      if (!u8(b)) return false;
      out |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return max_bits >= 64 || (out >> max_bits) == 0;
    }
    return false;
  }
  // A signed LEB of up to `max_bits` bits; only skipped, never interpreted.
  bool skip_sleb(int max_bits) {
    const int max_bytes = (max_bits + 6) / 7;
    for (int i = 0; i < max_bytes; ++i) {
      uint8_t b = 0;
      if (!u8(b)) return false;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool u32(uint32_t& out) {
    uint64_t v = 0;
    if (!leb(v, 32) || v > UINT32_MAX) return false;
    out = static_cast<uint32_t>(v);
    return true;
  }
  bool name(std::string& out) {
    uint32_t len = 0;
    if (!u32(len) || len > remaining()) return false;
    out.assign(reinterpret_cast<const char*>(data_.data() + pos_), len);
    pos_ += len;
    return true;
  }
  bool skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  [[nodiscard]] size_t remaining() const { return data_.size() - pos_; }
  [[nodiscard]] size_t pos() const { return pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

struct Section {
  uint8_t id;
  size_t start;  // offset of the section id byte
  size_t body;   // offset of the contents
  size_t size;   // contents size
};

// Checks the header and splits the module into its sections.
Result<std::vector<Section>> split_sections(std::span<const uint8_t> wasm);

std::unexpected<Error> malformed(std::string_view what);

void put_leb(std::vector<uint8_t>& out, uint64_t v);

// Skips a constant expression (segment offsets, global initialisers,
// element items) up to and including its `end`.
bool skip_const_expr(Reader& r);

}  // namespace hookd::engine::wasm
