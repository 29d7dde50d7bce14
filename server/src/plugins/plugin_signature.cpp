#include "plugins/plugin_signature.hpp"

#include <vector>

#include "hookd/config/plugin_manifest.hpp"
#include "hookd/signing/signing.hpp"

namespace hookd::server {

engine::Result<std::string> check_signature(const config::SigningConfig& policy, std::string_view name,
                                            std::span<const uint8_t> wasm,
                                            const config::PluginSettings& settings) {
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
  const auto refused = [](const signing::VerifyError& e) {
    const int status = e.refusal == signing::Refusal::kMalformed ? 422 : 403;
    return engine::fail(engine::ErrorKind::kIntegrity, e.message, status);
  };
  const std::string sha256 = signing::sha256_hex(wasm);
  if (!signing::is_manifest_signature(settings.signature)) {
    auto signer = signing::verify(trusted, policy.require_signature, sha256, settings.signature);
    if (!signer) return refused(signer.error());
    return std::move(*signer);
  }

  // A manifest signature: the signer also chose the name and the most the
  // module may be granted. Trust first, then what the trusted text says.
  auto verified = signing::verify_manifest(trusted, settings.signature);
  if (!verified) return refused(verified.error());
  auto manifest = config::parse_manifest_json(verified->manifest);
  if (!manifest) {
    return engine::fail(engine::ErrorKind::kIntegrity, "malformed manifest: " + manifest.error(), 422);
  }
  if (manifest->sha256 != sha256) {
    return engine::fail(engine::ErrorKind::kIntegrity,
                        "manifest is signed for another module (sha256 " + manifest->sha256 +
                            "; this module's is " + sha256 + ")",
                        403);
  }
  if (manifest->name != name) {
    return engine::fail(engine::ErrorKind::kIntegrity,
                        "manifest is signed for the plugin name \"" + manifest->name + "\", not \"" +
                            std::string(name) + "\"",
                        403);
  }
  if (auto wider = config::grants_beyond(settings.grants, manifest->grants, name)) {
    return engine::fail(engine::ErrorKind::kIntegrity,
                        "grants wider than the signed manifest allows: " + *wider, 403);
  }
  return std::move(verified->key_id);
}

}  // namespace hookd::server
