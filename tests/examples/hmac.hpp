// GitHub's webhook signature, computed here with OpenSSL: the header value
// "sha256=<hex HMAC-SHA256(secret, body)>".
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>

namespace hookd::test {

inline std::string github_signature(std::string_view secret, std::string_view body) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const uint8_t*>(body.data()), body.size(), mac, &n);
  static const char* digits = "0123456789abcdef";
  std::string s = "sha256=";
  for (unsigned i = 0; i < n; ++i) s.append({digits[mac[i] >> 4], digits[mac[i] & 15]});
  return s;
}

}  // namespace hookd::test
