#include "abi/extism_memory.hpp"

#include <algorithm>
#include <cstring>

namespace hookd::engine::abi {

uint64_t ExtismMemory::alloc(uint64_t n, std::string* why) {
  if (n == 0) return 0;
  if (free_blocks_ > 0) {  // reuse the first freed block that is large enough
    for (Block& b : blocks_) {
      if (!b.live && b.capacity >= n) {
        b.live = true;
        b.length = n;
        --free_blocks_;
        std::memset(arena_.data() + (b.offset - kBase), 0, n);
        return b.offset;
      }
    }
  }
  if (n > cap_ || used() > cap_ - n) {
    if (why != nullptr) {
      *why = "alloc of " + std::to_string(n) + " bytes exceeds the plugin's memory of " +
             std::to_string(cap_) + " bytes (" + std::to_string(used()) + " in use)";
    }
    return 0;
  }
  if (blocks_.size() >= kMaxBlocks) {
    if (why != nullptr) *why = "alloc: more than " + std::to_string(kMaxBlocks) + " blocks";
    return 0;
  }
  const uint64_t offset = top_;
  const uint64_t end = used() + n;
  if (arena_.size() < end) {
    // Grow geometrically (bounded by the cap) so a run of small allocs is cheap.
    arena_.resize(std::min<uint64_t>(cap_, std::max<uint64_t>(end, arena_.size() * 2)));
  }
  std::memset(arena_.data() + (offset - kBase), 0, n);
  top_ += n;
  blocks_.push_back(Block{offset, n, n, true});
  return offset;
}

uint64_t ExtismMemory::alloc_bytes(std::span<const uint8_t> bytes, std::string* why) {
  const uint64_t offset = alloc(bytes.size(), why);
  if (offset != 0) std::memcpy(arena_.data() + (offset - kBase), bytes.data(), bytes.size());
  return offset;
}

ExtismMemory::Block* ExtismMemory::find(uint64_t offset) {
  auto it = std::lower_bound(blocks_.begin(), blocks_.end(), offset,
                             [](const Block& b, uint64_t o) { return b.offset < o; });
  return it != blocks_.end() && it->offset == offset ? &*it : nullptr;
}

const ExtismMemory::Block* ExtismMemory::find(uint64_t offset) const {
  return const_cast<ExtismMemory*>(this)->find(offset);
}

bool ExtismMemory::free(uint64_t offset) {
  Block* b = find(offset);
  if (b == nullptr || !b->live) return false;
  if (b == &blocks_.back()) {  // the last block: give its bytes back to the top
    top_ = b->offset;
    blocks_.pop_back();
    // Freed blocks below it may now be last too.
    while (!blocks_.empty() && !blocks_.back().live) {
      top_ = blocks_.back().offset;
      blocks_.pop_back();
      --free_blocks_;
    }
    return true;
  }
  b->live = false;
  b->length = 0;
  ++free_blocks_;
  return true;
}

uint64_t ExtismMemory::length(uint64_t offset) const {
  const Block* b = find(offset);
  return b != nullptr && b->live ? b->length : 0;
}

std::optional<std::span<uint8_t>> ExtismMemory::bytes(uint64_t offset, uint64_t n) {
  if (offset < kBase || offset > top_ || n > top_ - offset) return std::nullopt;
  return std::span<uint8_t>(arena_.data() + (offset - kBase), n);
}

std::optional<std::span<uint8_t>> ExtismMemory::block(uint64_t offset) {
  const Block* b = find(offset);
  if (b == nullptr || !b->live) return std::nullopt;
  return std::span<uint8_t>(arena_.data() + (offset - kBase), b->length);
}

void ExtismMemory::reset() {
  top_ = kBase;
  blocks_.clear();
  free_blocks_ = 0;
  if (arena_.size() > kKeepBytes) {
    std::vector<uint8_t>().swap(arena_);
    std::vector<Block>().swap(blocks_);
  }
}

}  // namespace hookd::engine::abi
