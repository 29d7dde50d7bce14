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
/// A refusal is an ErrorKind::kIntegrity error whose message names the problem
/// ("unsigned", "malformed signature", "signature does not match any trusted
/// key") and whose `status` is the HTTP status the admin API answers with:
/// 403 for unsigned or untrusted, 422 for malformed.
engine::Result<std::string> check_signature(const config::SigningConfig& policy,
                                            std::span<const uint8_t> wasm, std::string_view signature);

}  // namespace hookd::server
