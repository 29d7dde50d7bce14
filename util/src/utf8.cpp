#include "hookd/util/utf8.hpp"

// simdjson is linked anyway (the JSON transcoder); its validator picks the
// widest SIMD the CPU has, and it is the one the transcoder already trusts.
#include <simdjson.h>

namespace hookd::util {

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace hookd::util
