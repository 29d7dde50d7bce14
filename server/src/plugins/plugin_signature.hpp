// The [signing] check a module passes before it is installed, from any source
// (admin upload, config file, stored upload, examples): see
// docs/security/signing.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hookd/config/config.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::server {

/// The key id that signed `wasm` ("" when it is unsigned and that is allowed).
/// `settings.signature` is a module signature or a manifest signature; the
/// latter must also name `name`, this module's SHA-256, and grants at least
/// as wide as `settings.grants`.
/// A refusal is an ErrorKind::kIntegrity error whose message names the problem
/// ("unsigned", "malformed signature", "signature does not match any trusted
/// key", "manifest ...") and whose `status` is the HTTP status the admin API
/// answers with: 403 for unsigned, untrusted or outside the signed manifest,
/// 422 for malformed.
engine::Result<std::string> check_signature(const config::SigningConfig& policy, std::string_view name,
                                            std::span<const uint8_t> wasm,
                                            const config::PluginSettings& settings);

}  // namespace hookd::server
