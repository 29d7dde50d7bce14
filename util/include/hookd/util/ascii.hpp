// ASCII case rules for protocol tokens (header names, media types, codings):
// locale-independent, bytes above 0x7f compare as themselves.
#pragma once

#include <string>
#include <string_view>

namespace hookd::util {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Equal but for the case of ASCII letters.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

/// `s` with ASCII letters lower-cased.
std::string to_lower(std::string_view s);

}  // namespace hookd::util
