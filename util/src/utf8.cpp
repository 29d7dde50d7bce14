#include "hookd/util/utf8.hpp"

// simdjson is linked anyway (the JSON transcoder); its validator picks the
// widest SIMD the CPU has, and it is the one the transcoder already trusts.
#include <simdjson.h>

namespace hookd::util {

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

std::string_view utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace hookd::util
