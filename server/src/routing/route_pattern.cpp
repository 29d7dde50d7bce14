#include "routing/route_pattern.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hookd::routing {
namespace {

bool is_literal_char(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_name_start(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(unsigned char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Printable for a message: control bytes and non-ASCII as \xNN.
std::string shown(unsigned char c) {
  if (c > 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  return fmt::format("byte 0x{:02x}", c);
}

std::expected<Segment, std::string> parse_segment(std::string_view text, bool last) {
  if (text.empty()) return std::unexpected(std::string("empty segment (\"//\" or a trailing '/')"));
  if (text == "*") {
    if (!last) return std::unexpected(std::string("'*' is only allowed as the last segment"));
    return Segment{SegmentKind::wildcard, std::string(kWildcardName)};
  }
  if (text.front() == '{') {
    if (text.size() < 2 || text.back() != '}') {
      return std::unexpected(std::string("a parameter is a whole segment: {name}"));
    }
    const std::string_view name = text.substr(1, text.size() - 2);
    if (name.empty()) return std::unexpected(std::string("empty parameter name"));
    if (name.size() > kMaxParamNameBytes) {
      return std::unexpected(fmt::format("parameter name longer than {} bytes", kMaxParamNameBytes));
    }
    if (!is_name_start(static_cast<unsigned char>(name.front())) ||
        !std::ranges::all_of(name, [](unsigned char c) { return is_name_char(c); })) {
      return std::unexpected(std::string("parameter names are [A-Za-z_][A-Za-z0-9_]*"));
    }
    return Segment{SegmentKind::param, std::string(name)};
  }
  if (text == "." || text == "..") {
    return std::unexpected(
        fmt::format("\"{}\" is not allowed (the table does not resolve dot segments)", text));
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '%') return std::unexpected(std::string("percent-escapes are not allowed; write the character"));
    if (c == '{' || c == '}') return std::unexpected(std::string("a parameter is a whole segment: {name}"));
    if (c == '*') return std::unexpected(std::string("'*' is a whole segment, and only the last"));
    if (!is_literal_char(c)) return std::unexpected(fmt::format("{} is not allowed in a path", shown(c)));
  }
  return Segment{SegmentKind::literal, std::string(text)};
}

}  // namespace

std::expected<RoutePattern, std::string> RoutePattern::parse(std::string_view text) {
  if (text.empty()) return std::unexpected(std::string("empty path; the root is \"/\""));
  if (text.size() > kMaxPatternBytes) {
    return std::unexpected(fmt::format("longer than {} bytes", kMaxPatternBytes));
  }
  if (text.front() != '/') return std::unexpected(std::string("must start with '/'"));
  RoutePattern pattern;
  if (text == "/") return pattern;
  std::string_view rest = text.substr(1);
  std::size_t params = 0;
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    const std::size_t index = pattern.segments.size() + 1;
    if (index > kMaxSegments) return std::unexpected(fmt::format("more than {} segments", kMaxSegments));
    auto segment = parse_segment(part, last);
    if (!segment) return std::unexpected(fmt::format("segment {}: {}", index, segment.error()));
    if (segment->kind == SegmentKind::param) {
      if (++params > kMaxParams) return std::unexpected(fmt::format("more than {} parameters", kMaxParams));
      const bool duplicate = std::ranges::any_of(pattern.segments, [&](const Segment& s) {
        return s.kind == SegmentKind::param && s.text == segment->text;
      });
      if (duplicate) {
        return std::unexpected(
            fmt::format("segment {}: parameter {{{}}} appears twice", index, segment->text));
      }
    }
    pattern.segments.push_back(std::move(*segment));
    if (last) break;
    rest = rest.substr(slash + 1);
  }
  return pattern;
}

std::vector<std::string> RoutePattern::capture_names() const {
  std::vector<std::string> names;
  for (const auto& segment : segments) {
    if (segment.kind != SegmentKind::literal) names.push_back(segment.text);
  }
  return names;
}

}  // namespace hookd::routing
