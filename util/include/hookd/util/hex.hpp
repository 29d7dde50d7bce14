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

/// The same into `out`, which holds 2 x bytes.size() characters (no
/// allocation: trace ids on the request path).
void write_hex(std::span<const uint8_t> bytes, char* out);

/// The first 2 x out.size() characters of `text` (which has at least as
/// many), lower-case digits only, into `out`; false on any other character.
bool read_lower_hex(std::string_view text, std::span<uint8_t> out);

/// `text` is exactly `digits` characters of 0-9a-f (a sha256 is 64).
bool is_lower_hex(std::string_view text, size_t digits);

}  // namespace hookd::util
