#include "net/field_arena.hpp"

#include <algorithm>
#include <cstdlib>

namespace hookd::server {

FieldArena::~FieldArena() {
  reset();
  if (kept_ != nullptr) {
    HOOKD_ARENA_UNPOISON(kept_, kept_->size);
    std::free(kept_);
  }
  HOOKD_ARENA_UNPOISON(inline_, kInlineBytes);  // the object's storage is reused
}

void* FieldArena::allocate_from_heap(std::size_t n, std::size_t asked) {
  Block* block = nullptr;
  if (kept_ != nullptr && kept_->size - kHeader >= n) {
    block = kept_;
    kept_ = nullptr;
  } else {
    // Each new block at least doubles the last: few blocks for a large header.
    std::size_t size = std::max(kKeptBlockBytes, kHeader + n);
    if (blocks_ != nullptr) size = std::max(size, 2 * blocks_->size);
    block = static_cast<Block*>(std::malloc(size));
    if (block == nullptr) throw std::bad_alloc();
    block->size = size;
  }
  block->next = blocks_;
  blocks_ = block;
  auto* base = reinterpret_cast<std::byte*>(block);
  HOOKD_ARENA_POISON(base + kHeader, block->size - kHeader);
  HOOKD_ARENA_UNPOISON(base + kHeader, asked);
  next_ = base + kHeader + n;
  end_ = base + block->size;
  return base + kHeader;
}

void FieldArena::reset() {
  while (blocks_ != nullptr) {
    Block* b = blocks_;
    blocks_ = b->next;
    if (kept_ == nullptr && b->size <= kKeptBlockBytes) {
      kept_ = b;
      HOOKD_ARENA_POISON(reinterpret_cast<std::byte*>(b) + kHeader, b->size - kHeader);
    } else {
      HOOKD_ARENA_UNPOISON(b, b->size);  // free() owns it again
      std::free(b);
    }
  }
  HOOKD_ARENA_POISON(inline_, kInlineBytes);
  next_ = inline_;
  end_ = inline_ + kInlineBytes;
}

std::size_t FieldArena::heap_blocks() const {
  std::size_t n = 0;
  for (const Block* b = blocks_; b != nullptr; b = b->next) ++n;
  return n;
}

}  // namespace hookd::server
