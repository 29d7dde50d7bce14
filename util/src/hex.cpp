#include "hookd/util/hex.hpp"

namespace hookd::util {

std::string to_hex(std::span<const uint8_t> bytes) {
  std::string out(bytes.size() * 2, '\0');
  char* o = out.data();
  for (uint8_t b : bytes) {
    *o++ = kHexDigits[b >> 4];
    *o++ = kHexDigits[b & 15];
  }
  return out;
}

bool is_lower_hex(std::string_view text, size_t digits) {
  return text.size() == digits && text.find_first_not_of(kHexDigits) == std::string_view::npos;
}

}  // namespace hookd::util
