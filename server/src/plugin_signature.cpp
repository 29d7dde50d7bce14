#include "plugin_signature.hpp"

#include <vector>

#include "hookd/signing/signing.hpp"

namespace hookd::server {

engine::Result<std::string> check_signature(const config::SigningConfig& policy,
                                            std::span<const uint8_t> wasm, std::string_view signature) {
  // Both are cheap next to compiling the module, so nothing is cached.
  std::vector<signing::PublicKey> trusted;
  for (const config::TrustedKey& key : policy.trusted_keys) {
    auto parsed = signing::parse_public_key(key.text);
    if (!parsed) {
      return engine::fail(engine::ErrorKind::kInternal,
                          "signing.trusted_keys: " + key.text + ": " + parsed.error());
    }
    trusted.push_back(*parsed);
  }
  auto signer = signing::verify(trusted, policy.require_signature, signing::sha256_hex(wasm), signature);
  if (signer) return std::move(*signer);
  const int status = signer.error().refusal == signing::Refusal::kMalformed ? 422 : 403;
  return engine::fail(engine::ErrorKind::kIntegrity, std::move(signer.error().message), status);
}

}  // namespace hookd::server
