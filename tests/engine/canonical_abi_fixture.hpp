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

namespace hookd::engine::canonical::testing {

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

// wasi:http/types error-code (0.2.x), with its payload records.
struct ErrorCode {
  TypeId type = 0;
  TypeId field_size_payload = 0;
};
inline ErrorCode error_code(TypeArena& a) {
  const TypeId opt_string = ok(a.option(a.string()));
  const TypeId opt_u8 = ok(a.option(a.u8()));
  const TypeId opt_u16 = ok(a.option(a.u16()));
  const TypeId opt_u32 = ok(a.option(a.u32()));
  const TypeId opt_u64 = ok(a.option(a.u64()));
  const TypeId dns = ok(a.record({"rcode", "info-code"}, {opt_string, opt_u16}));
  const TypeId tls = ok(a.record({"alert-id", "alert-message"}, {opt_u8, opt_string}));
  const TypeId field_size = ok(a.record({"field-name", "field-size"}, {opt_string, opt_u32}));
  const TypeId opt_field_size = ok(a.option(field_size));
  std::vector<std::pair<std::string, std::optional<TypeId>>> cases = {
      {"DNS-timeout", {}},
      {"DNS-error", dns},
      {"destination-not-found", {}},
      {"destination-unavailable", {}},
      {"destination-IP-prohibited", {}},
      {"destination-IP-unroutable", {}},
      {"connection-refused", {}},
      {"connection-terminated", {}},
      {"connection-timeout", {}},
      {"connection-read-timeout", {}},
      {"connection-write-timeout", {}},
      {"connection-limit-reached", {}},
      {"TLS-protocol-error", {}},
      {"TLS-certificate-error", {}},
      {"TLS-alert-received", tls},
      {"HTTP-request-denied", {}},
      {"HTTP-request-length-required", {}},
      {"HTTP-request-body-size", opt_u64},
      {"HTTP-request-method-invalid", {}},
      {"HTTP-request-URI-invalid", {}},
      {"HTTP-request-URI-too-long", {}},
      {"HTTP-request-header-section-size", opt_u32},
      {"HTTP-request-header-size", opt_field_size},
      {"HTTP-request-trailer-section-size", opt_u32},
      {"HTTP-request-trailer-size", field_size},
      {"HTTP-response-incomplete", {}},
      {"HTTP-response-header-section-size", opt_u32},
      {"HTTP-response-header-size", field_size},
      {"HTTP-response-body-size", opt_u64},
      {"HTTP-response-trailer-section-size", opt_u32},
      {"HTTP-response-trailer-size", field_size},
      {"HTTP-response-transfer-coding", opt_string},
      {"HTTP-response-content-coding", opt_string},
      {"HTTP-response-timeout", {}},
      {"HTTP-upgrade-failed", {}},
      {"HTTP-protocol-error", {}},
      {"loop-detected", {}},
      {"configuration-error", {}},
      {"internal-error", opt_string},
  };
  std::vector<std::string> names;
  std::vector<std::optional<TypeId>> payloads;
  for (auto& [name, payload] : cases) {
    names.push_back(name);
    payloads.push_back(payload);
  }
  return {ok(a.variant(std::move(names), std::move(payloads))), field_size};
}

}  // namespace hookd::engine::canonical::testing
