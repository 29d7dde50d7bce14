// Memory for one session's asynchronous operations. Asio keeps the memory of
// finished operations per thread for the next one, but only blocks under
// about 1 KiB (it records a block's size in one byte of 4-byte units): a
// WebSocket write's operation, which carries Beast's whole composed handler,
// is larger, and was allocated on every message (and its dead block evicted
// the reusable ones). A session binds HandlerAllocator to its handlers; each
// operation takes one of the session's slots (a session has one read and one
// write outstanding at most), and anything larger, or beyond the slots, goes
// to the heap. Used from the session's thread only.
#pragma once

#include <boost/asio/bind_allocator.hpp>
#include <cstddef>
#include <new>
#include <utility>

namespace hookd::server {

// Slots and their size: a WebSocket session's write operation takes about
// 1,050 bytes; an HTTP session's read and write operations less than 700.
template <std::size_t Slots, std::size_t SlotBytes>
class BasicHandlerMemory {
 public:
  static constexpr std::size_t kSlots = Slots;
  static constexpr std::size_t kSlotBytes = SlotBytes;

  BasicHandlerMemory() = default;
  BasicHandlerMemory(const BasicHandlerMemory&) = delete;
  BasicHandlerMemory& operator=(const BasicHandlerMemory&) = delete;

  void* allocate(std::size_t n) {
    if (n <= kSlotBytes) {
      for (std::size_t i = 0; i < kSlots; ++i) {
        if (!used_[i]) {
          used_[i] = true;
          return slots_[i].bytes;
        }
      }
    }
    return ::operator new(n);
  }

  void deallocate(void* p) noexcept {
    for (std::size_t i = 0; i < kSlots; ++i) {
      if (p == slots_[i].bytes) {
        used_[i] = false;
        return;
      }
    }
    ::operator delete(p);
  }

  [[nodiscard]] std::size_t slots_in_use() const {
    std::size_t n = 0;
    for (bool u : used_) n += u ? 1 : 0;
    return n;
  }

 private:
  struct Slot {
    alignas(std::max_align_t) std::byte bytes[kSlotBytes];
  };
  Slot slots_[kSlots];
  bool used_[kSlots] = {};
};

using WsHandlerMemory = BasicHandlerMemory<2, 1536>;
using HttpHandlerMemory = BasicHandlerMemory<2, 1024>;

// The standard allocator over a session's handler memory, for
// boost::asio::bind_allocator.
template <class T, class Memory>
class HandlerAllocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = HandlerAllocator<U, Memory>;
  };

  explicit HandlerAllocator(Memory& memory) noexcept : memory_(&memory) {}
  template <class U>
  HandlerAllocator(const HandlerAllocator<U, Memory>& other) noexcept  // NOLINT: rebinding
      : memory_(other.memory()) {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(memory_->allocate(sizeof(T) * n));
  }
  void deallocate(T* p, std::size_t) noexcept { memory_->deallocate(p); }

  [[nodiscard]] Memory* memory() const noexcept { return memory_; }
  template <class U>
  bool operator==(const HandlerAllocator<U, Memory>& other) const noexcept {
    return memory_ == other.memory();
  }
  template <class U>
  bool operator!=(const HandlerAllocator<U, Memory>& other) const noexcept {
    return memory_ != other.memory();
  }

 private:
  Memory* memory_;
};

}  // namespace hookd::server

namespace hookd::server {

// Binds `handler` to `memory`: its operations take memory's slots.
template <class Memory, class Handler>
auto with_memory(Memory& memory, Handler&& handler) {
  return boost::asio::bind_allocator(HandlerAllocator<void, Memory>(memory), std::forward<Handler>(handler));
}

}  // namespace hookd::server
