// A fake guest for the canonical ABI tests: linear memory in a vector and a
// bump allocator as its realloc. Growing the memory reallocates the vector,
// so the bytes move as a real engine's may: code that kept a span from
// before an allocation reads freed memory (ASan reports it).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "component/canonical/layout.hpp"
#include "component/canonical/lift_lower.hpp"
#include "wasi_http_error_code.hpp"

namespace hookd::engine::canonical::testing {

// A type's flattened core types, and their short names for expectations.
inline std::vector<ValType> flat_of(const TypeArena& a, TypeId t) { return a[t].flat; }
inline constexpr auto I32 = ValType::kI32;
inline constexpr auto I64 = ValType::kI64;
inline constexpr auto F32 = ValType::kF32;
inline constexpr auto F64 = ValType::kF64;

class FakeGuest : public GuestMemory, public GuestRealloc {
 public:
  explicit FakeGuest(size_t bytes = 4096) : memory_(bytes) {}

  std::span<uint8_t> bytes() override { return memory_; }

  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    ++reallocs;
    if (old_ptr != 0 || old_size != 0) return fail(ErrorKind::kTrap, "the fake only allocates");
    if (bad_pointer) return *bad_pointer;
    next_ = static_cast<uint32_t>(align_to(next_, align));
    const uint64_t end = uint64_t{next_} + new_size;
    if (end > memory_.size()) {
      if (end > max_bytes) return fail(ErrorKind::kTrap, "out of memory");
      memory_.resize(end + 4096);  // moves the bytes
    }
    const uint32_t ptr = next_;
    next_ = static_cast<uint32_t>(end);
    return ptr;
  }

  // Writes `v` at `ptr` (little-endian), growing the memory as needed.
  template <class T>
  void put(uint32_t ptr, T v) {
    if (ptr + sizeof(T) > memory_.size()) memory_.resize(ptr + sizeof(T));
    std::memcpy(memory_.data() + ptr, &v, sizeof(T));
  }
  void put_bytes(uint32_t ptr, std::string_view s) {
    if (ptr + s.size() > memory_.size()) memory_.resize(ptr + s.size());
    std::memcpy(memory_.data() + ptr, s.data(), s.size());
  }

  int reallocs = 0;
  std::optional<uint32_t> bad_pointer;  // realloc returns this when set
  uint64_t max_bytes = 64U << 20;

 private:
  std::vector<uint8_t> memory_;
  uint32_t next_ = 1024;  // below: room for hand-written guest data
};

template <class T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
  if (!r) return T{};
  return std::move(*r);
}

inline void ok(Result<void> r) { EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message); }

// The error's message when `r` failed with `kind`; fails the test otherwise.
template <class T>
std::string fails(const Result<T>& r, ErrorKind kind = ErrorKind::kTrap) {
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) return "";
  EXPECT_EQ(r.error().kind, kind) << r.error().message;
  return r.error().message;
}

using ErrorCode = hookd::test::WasiHttpErrorCode;
using hookd::test::wasi_http_error_code;

}  // namespace hookd::engine::canonical::testing
