// Extism's host-owned memory: blocks addressed by 64-bit offsets, outside the
// plugin's linear memory (Extism's kernel keeps them in a memory of its own).
// Offset 0 is "no block". Every offset and length a plugin passes is checked
// here: a bad one is a std::nullopt / false, never an access outside the
// arena. The arena is bounded (`cap` bytes of blocks in all, block count
// kMaxBlocks); alloc() past it fails. Blocks are zeroed when handed out, so
// a call never sees bytes an earlier call left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hookd::engine::abi {

class ExtismMemory {
 public:
  static constexpr uint64_t kBase = 8;  // first offset handed out (0 is null)
  static constexpr size_t kMaxBlocks = 1u << 16;

  explicit ExtismMemory(uint64_t cap = 16u << 20) : cap_(cap) {}

  void set_cap(uint64_t cap) { cap_ = cap; }
  [[nodiscard]] uint64_t cap() const { return cap_; }

  // A zeroed block of `n` bytes, or 0 when `n` is 0 or would take the arena
  // past its cap (`why` then says so).
  uint64_t alloc(uint64_t n, std::string* why = nullptr);
  // A block holding a copy of `bytes` (0 when it does not fit).
  uint64_t alloc_bytes(std::span<const uint8_t> bytes, std::string* why = nullptr);
  // Frees a live block; false for anything else (0 included: a no-op).
  bool free(uint64_t offset);
  // The length of the live block starting at `offset`, or 0.
  [[nodiscard]] uint64_t length(uint64_t offset) const;
  // The `n` bytes at `offset`, when they lie in the arena's used part.
  [[nodiscard]] std::optional<std::span<uint8_t>> bytes(uint64_t offset, uint64_t n);
  // The whole live block at `offset`.
  [[nodiscard]] std::optional<std::span<uint8_t>> block(uint64_t offset);
  // Frees every block (the arena keeps its capacity, up to kKeepBytes).
  void reset();
  [[nodiscard]] uint64_t used() const { return top_ - kBase; }
  [[nodiscard]] uint64_t top() const { return top_; }  // one past the last block

 private:
  struct Block {
    uint64_t offset = 0;
    uint64_t capacity = 0;
    uint64_t length = 0;
    bool live = false;
  };
  static constexpr size_t kKeepBytes = 1u << 20;

  Block* find(uint64_t offset);
  [[nodiscard]] const Block* find(uint64_t offset) const;

  uint64_t cap_;
  uint64_t top_ = kBase;        // one past the last block
  std::vector<uint8_t> arena_;  // arena_[o - kBase] is offset o
  std::vector<Block> blocks_;   // sorted by offset
  size_t free_blocks_ = 0;      // entries of blocks_ not live
};

}  // namespace hookd::engine::abi
