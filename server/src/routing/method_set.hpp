// The HTTP methods a route may name, as a bit set, so that matching and the
// 405 Allow set need no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hookd::routing {

enum class Method : std::uint8_t { get, head, post, put, del, patch, options };
inline constexpr std::size_t kMethodCount = 7;

/// "GET" -> Method::get; exact, upper-case (methods are case-sensitive,
/// RFC 9110 9.1). Other methods (PROPFIND, ...) are nullopt: only routes
/// for any method match them.
std::optional<Method> method_from(std::string_view text);
std::string_view to_string(Method method);

class MethodSet {
 public:
  constexpr MethodSet() = default;
  static constexpr MethodSet all() { return MethodSet((1u << kMethodCount) - 1); }

  constexpr void add(Method m) { bits_ |= bit(m); }
  constexpr void add(MethodSet other) { bits_ |= other.bits_; }
  [[nodiscard]] constexpr bool contains(Method m) const { return (bits_ & bit(m)) != 0; }
  [[nodiscard]] constexpr bool overlaps(MethodSet other) const { return (bits_ & other.bits_) != 0; }
  [[nodiscard]] constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const MethodSet&) const = default;

  /// The Allow header's value, "GET, HEAD, POST", written into `buffer`
  /// (room for every method); HEAD is listed whenever GET is, as a GET
  /// route answers HEAD.
  std::string_view allow_header(std::span<char, 64> buffer) const;

 private:
  constexpr explicit MethodSet(std::uint16_t bits) : bits_(bits) {}
  static constexpr std::uint16_t bit(Method m) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(m));
  }
  std::uint16_t bits_ = 0;
};

}  // namespace hookd::routing
