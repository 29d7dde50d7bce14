// One route's path pattern, parsed and checked: "/", "/users/{id}",
// "/static/*". Patterns come from the operator (the config file) or from a
// plugin upload (its settings), so every rule here reports a readable error
// instead of asserting.
//
// Grammar: a pattern starts with '/', and is "/" or '/'-separated segments:
//   literal   1+ of A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) + , ; = : @ (RFC 3986
//             pchar without percent-escapes), never "." or ".."
//   {name}    a parameter: one whole non-empty request segment; name is
//             [A-Za-z_][A-Za-z0-9_]{0,63}, unique within the pattern
//   *         the rest of the path (zero or more segments), last only
// At most kMaxPatternBytes bytes, kMaxSegments segments, kMaxParams
// parameters. No empty segments: "/a//b" and "/a/" are refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::routing {

inline constexpr std::size_t kMaxPatternBytes = 1024;
inline constexpr std::size_t kMaxSegments = 32;
inline constexpr std::size_t kMaxParams = 16;
inline constexpr std::size_t kMaxParamNameBytes = 64;
/// The name a trailing wildcard's value is reported under.
inline constexpr std::string_view kWildcardName = "*";

enum class SegmentKind : std::uint8_t { literal, param, wildcard };

struct Segment {
  SegmentKind kind = SegmentKind::literal;
  std::string text;  // the literal, the parameter's name, or "*"

  bool operator==(const Segment&) const = default;
};

struct RoutePattern {
  std::vector<Segment> segments;  // empty for "/"

  /// Parses and checks `text`; the error says what is wrong and where
  /// ("segment 2: ..."), without repeating the pattern.
  static std::expected<RoutePattern, std::string> parse(std::string_view text);

  [[nodiscard]] bool has_wildcard() const {
    return !segments.empty() && segments.back().kind == SegmentKind::wildcard;
  }
  /// Parameter names in order, then "*" when the pattern ends in a wildcard.
  [[nodiscard]] std::vector<std::string> capture_names() const;
};

}  // namespace hookd::routing
