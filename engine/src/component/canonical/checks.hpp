// What lifting and lowering both check, and how they say it failed.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "hookd/engine/result.hpp"
#include "hookd/engine/vm.hpp"

namespace hookd::engine::canonical {

// The guest broke the canonical ABI: the call traps.
inline std::unexpected<Error> abi_trap(std::string message) {
  return fail(ErrorKind::kTrap, "canonical ABI: " + std::move(message));
}

// The host broke it (a value that does not match its type): a hookd bug.
inline std::unexpected<Error> host_bug(std::string message) {
  return fail(ErrorKind::kInternal, "canonical ABI: " + std::move(message));
}

// [ptr, ptr + bytes) lies in `memory` and ptr is a multiple of `align`, in
// 64-bit arithmetic so a guest's ptr + len cannot wrap.
inline Result<void> check_region(std::span<const uint8_t> memory, uint64_t ptr, uint64_t bytes,
                                 uint32_t align, const char* what) {
  if (ptr % align != 0) {
    return abi_trap(std::string(what) + " at " + std::to_string(ptr) + " is not aligned to " +
                    std::to_string(align));
  }
  if (ptr + bytes > memory.size()) {
    return abi_trap(std::string(what) + " of " + std::to_string(bytes) + " bytes at " + std::to_string(ptr) +
                    " is outside the guest's memory (" + std::to_string(memory.size()) + " bytes)");
  }
  return {};
}

inline constexpr uint32_t kCanonicalNan32 = 0x7fc00000U;
inline constexpr uint64_t kCanonicalNan64 = 0x7ff8000000000000ULL;

inline bool is_nan32(uint32_t bits) {
  return (bits & 0x7f800000U) == 0x7f800000U && (bits & 0x007fffffU) != 0;
}
inline bool is_nan64(uint64_t bits) {
  return (bits & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL && (bits & 0x000fffffffffffffULL) != 0;
}

// Core float values from their bit patterns.
inline Val f32_val(uint32_t bits) {
  Val v;
  v.type = ValType::kF32;
  v.f32 = std::bit_cast<float>(bits);
  return v;
}
inline Val f64_val(uint64_t bits) {
  Val v;
  v.type = ValType::kF64;
  v.f64 = std::bit_cast<double>(bits);
  return v;
}

inline bool is_unicode_scalar(uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c < 0x110000); }

}  // namespace hookd::engine::canonical
