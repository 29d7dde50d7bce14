// UTF-8 validation (no overlong forms, surrogates or code points past
// U+10FFFF), SIMD-dispatched at run time.
#pragma once

#include <string_view>

namespace hookd::util {

bool valid_utf8(std::string_view s);

/// The longest prefix of `s` of at most `max` bytes that does not end inside
/// a character (it backs up over continuation bytes), so cutting valid
/// UTF-8 keeps it valid.
std::string_view utf8_prefix(std::string_view s, size_t max);

}  // namespace hookd::util
