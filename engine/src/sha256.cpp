#include "hookd/engine/sha256.hpp"

#include <openssl/evp.h>

#include <cctype>

namespace hookd::engine {

std::string sha256_hex(std::span<const uint8_t> data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

bool sha256_matches(std::string_view expected, std::string_view actual) {
  while (!expected.empty() && std::isspace(static_cast<unsigned char>(expected.front())))
    expected.remove_prefix(1);
  while (!expected.empty() && std::isspace(static_cast<unsigned char>(expected.back())))
    expected.remove_suffix(1);
  if (expected.size() != actual.size()) return false;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(expected[i])) != actual[i]) return false;
  }
  return true;
}

}  // namespace hookd::engine
