#include "hookd/engine/sha256.hpp"

#include <openssl/evp.h>

#include <cctype>

#include "hookd/util/ascii.hpp"
#include "hookd/util/hex.hpp"

namespace hookd::engine {

std::string sha256_hex(std::span<const uint8_t> data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return util::to_hex({digest, len});
}

bool sha256_matches(std::string_view expected, std::string_view actual) {
  while (!expected.empty() && std::isspace(static_cast<unsigned char>(expected.front())))
    expected.remove_prefix(1);
  while (!expected.empty() && std::isspace(static_cast<unsigned char>(expected.back())))
    expected.remove_suffix(1);
  if (expected.size() != actual.size()) return false;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (util::ascii_lower(expected[i]) != actual[i]) return false;
  }
  return true;
}

}  // namespace hookd::engine
