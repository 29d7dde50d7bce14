// UTF-8 validation (no overlong forms, surrogates or code points past
// U+10FFFF), SIMD-dispatched at run time.
#pragma once

#include <string_view>

namespace hookd::util {

bool valid_utf8(std::string_view s);

}  // namespace hookd::util
