#include "fields/string_checks.hpp"

#include <algorithm>

namespace hookd::config::detail {

std::expected<std::string, std::string> check_token(std::string text) {
  const bool printable = std::ranges::all_of(text, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if (!printable) return std::unexpected(std::string("must be printable ASCII without spaces"));
  return text;
}

std::expected<std::string, std::string> check_not_empty(std::string text) {
  if (text.empty()) return std::unexpected(std::string("must not be empty"));
  return text;
}

}  // namespace hookd::config::detail
