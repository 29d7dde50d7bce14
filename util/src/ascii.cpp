#include "hookd/util/ascii.hpp"

namespace hookd::util {

std::string to_lower(std::string_view s) {
  std::string out(s.size(), '\0');
  for (size_t i = 0; i < s.size(); ++i) out[i] = ascii_lower(s[i]);
  return out;
}

}  // namespace hookd::util
