// Replaces the global (unaligned) operator new and delete: every block
// carries its size in a 16-byte header (keeping malloc's alignment).
#include "counting_allocator.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace hookd::test::allocation {
namespace {

constexpr std::size_t kHeader = 16;
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_largest{0};

void* allocate(std::size_t n) noexcept {
  void* block = std::malloc(n + kHeader);
  if (block == nullptr) return nullptr;
  *static_cast<std::size_t*>(block) = n;
  g_live.fetch_add(n, std::memory_order_relaxed);
  std::size_t seen = g_largest.load(std::memory_order_relaxed);
  while (n > seen && !g_largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
  }
  return static_cast<char*>(block) + kHeader;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  char* block = static_cast<char*>(p) - kHeader;
  g_live.fetch_sub(*reinterpret_cast<std::size_t*>(block), std::memory_order_relaxed);
  std::free(block);
}

}  // namespace

std::size_t live_bytes() { return g_live.load(); }
std::size_t largest() { return g_largest.load(); }
void reset_largest() { g_largest.store(0); }

}  // namespace hookd::test::allocation

using hookd::test::allocation::allocate;
using hookd::test::allocation::release;

void* operator new(std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
