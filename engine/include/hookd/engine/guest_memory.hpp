// Bounds-checked access to a plugin's linear memory. Pointers and lengths
// come from untrusted guest code as i32; they are reinterpreted as unsigned
// and checked in 64-bit arithmetic so ptr + len cannot wrap.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace hookd::engine {

inline std::optional<std::span<uint8_t>> guest_span(std::span<uint8_t> memory, int32_t ptr, int32_t len) {
  const uint64_t p = static_cast<uint32_t>(ptr);
  const uint64_t n = static_cast<uint32_t>(len);
  if (p + n > memory.size()) return std::nullopt;
  return memory.subspan(p, n);
}

inline std::optional<std::string_view> guest_string(std::span<uint8_t> memory, int32_t ptr, int32_t len) {
  auto s = guest_span(memory, ptr, len);
  if (!s) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(s->data()), s->size());
}

inline bool guest_store_u32(std::span<uint8_t> memory, int32_t ptr, uint32_t value) {
  auto s = guest_span(memory, ptr, 4);
  if (!s) return false;
  std::memcpy(s->data(), &value, 4);  // wasm is little-endian, as is x86_64
  return true;
}

inline bool guest_store_u64(std::span<uint8_t> memory, int32_t ptr, uint64_t value) {
  auto s = guest_span(memory, ptr, 8);
  if (!s) return false;
  std::memcpy(s->data(), &value, 8);
  return true;
}

inline std::optional<uint32_t> guest_load_u32(std::span<uint8_t> memory, int32_t ptr) {
  auto s = guest_span(memory, ptr, 4);
  if (!s) return std::nullopt;
  uint32_t v = 0;
  std::memcpy(&v, s->data(), 4);
  return v;
}

}  // namespace hookd::engine
