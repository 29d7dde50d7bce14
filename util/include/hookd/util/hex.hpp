// Lower-case hexadecimal: digests, tokens, escapes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hookd::util {

inline constexpr char kHexDigits[] = "0123456789abcdef";

/// Two lower-case digits a byte.
std::string to_hex(std::span<const uint8_t> bytes);

/// `text` is exactly `digits` characters of 0-9a-f (a sha256 is 64).
bool is_lower_hex(std::string_view text, size_t digits);

}  // namespace hookd::util
