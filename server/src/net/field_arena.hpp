// Memory for the header fields of one HTTP exchange. Beast's basic_fields
// allocates every field, the target and the reason separately; on the
// gateway's request path those were most of an echo request's heap
// allocations (docs/benchmarks.md, heap allocations per request). A connection's fields come
// from its arena instead: allocation bumps a pointer through an inline
// block (and through heap blocks when a large header needs more),
// deallocation does nothing, and reset() (between requests, once neither the
// request nor the response has a field left) makes all of it free again.
//
// Bounded by what it serves: the request's fields are bounded by the header
// limit, the response's by the code that sets them, and reset() frees the
// heap blocks except one small one kept for the next request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

// Under AddressSanitizer the free parts of an arena are poisoned, so a field
// used after reset() (or read past its end) is reported like a heap one.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HOOKD_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define HOOKD_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define HOOKD_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define HOOKD_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace hookd::server {

class FieldArena {
 public:
  static constexpr std::size_t kAlign = alignof(std::max_align_t);
  // Enough for a typical request's fields and a response's, together.
  static constexpr std::size_t kInlineBytes = 1024;
  // A heap block at most this large survives reset() for the next request.
  static constexpr std::size_t kKeptBlockBytes = 4096;

  FieldArena() { HOOKD_ARENA_POISON(inline_, kInlineBytes); }
  ~FieldArena();
  FieldArena(const FieldArena&) = delete;
  FieldArena& operator=(const FieldArena&) = delete;

  void* allocate(std::size_t n) {
    const std::size_t asked = n;
    n = (n + kAlign - 1) & ~(kAlign - 1);
    if (n <= static_cast<std::size_t>(end_ - next_)) {
      std::byte* p = next_;
      next_ += n;
      HOOKD_ARENA_UNPOISON(p, asked);
      return p;
    }
    return allocate_from_heap(n, asked);
  }

  // Every allocation made so far is free again. Nothing may use one after.
  void reset();

  // Heap blocks in use (for tests).
  [[nodiscard]] std::size_t heap_blocks() const;

 private:
  struct Block {
    Block* next;
    std::size_t size;  // bytes, this header included
  };
  static constexpr std::size_t kHeader = (sizeof(Block) + kAlign - 1) & ~(kAlign - 1);

  void* allocate_from_heap(std::size_t n, std::size_t asked);

  alignas(kAlign) std::byte inline_[kInlineBytes];
  std::byte* next_ = inline_;
  std::byte* end_ = inline_ + kInlineBytes;
  Block* blocks_ = nullptr;  // in use, newest first
  Block* kept_ = nullptr;    // at most one, kept by reset()
};

// A standard allocator over a FieldArena, or over the heap when it has none
// (default-constructed: every message not made by a session). A copy of a
// container gets the heap (select_on_container_copy_construction), so a copy
// may outlive the arena; a move keeps the arena, so the moved-to message
// must not outlive it. Assignment keeps each container's own allocator.
template <class T>
class ArenaAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::false_type;
  using propagate_on_container_move_assignment = std::false_type;
  using propagate_on_container_swap = std::false_type;
  using is_always_equal = std::false_type;

  ArenaAllocator() noexcept = default;
  explicit ArenaAllocator(FieldArena* arena) noexcept : arena_(arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= FieldArena::kAlign);
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    if (arena_ == nullptr) return static_cast<T*>(::operator new(n * sizeof(T)));
    return static_cast<T*>(arena_->allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (arena_ == nullptr) ::operator delete(p, n * sizeof(T));
  }

  [[nodiscard]] ArenaAllocator select_on_container_copy_construction() const { return {}; }
  [[nodiscard]] FieldArena* arena() const noexcept { return arena_; }

  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }
  template <class U>
  bool operator!=(const ArenaAllocator<U>& other) const noexcept {
    return arena_ != other.arena();
  }

 private:
  FieldArena* arena_ = nullptr;
};

}  // namespace hookd::server
