// The manifest a signer can sign instead of the bare module
// (docs/security/signing.md): the name a module is installed under, its
// SHA-256 and the most it may be granted. `hookd sign --name` writes one; the
// gateway checks an install against it.
//
// Canonical form, so the signed bytes have exactly one spelling: compact
// JSON, keys in this order, every grant field present except "kv" when KV is
// not granted, the KV namespace spelled out, fetch patterns in their
// normalized text, sorted and without duplicates:
//   {"name":"echo","sha256":"<64 hex>","grants":{"kv":{"namespace":"echo","mode":"rw"},
//    "fetch":["https://api.example.com"],"config":false,"log_level":"info","log_rate_per_sec":100}}
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "hookd/config/config.hpp"

namespace hookd::config {

struct PluginManifest {
  std::string name;
  std::string sha256;  // 64 lower-case hex digits
  PluginGrants grants;

  bool operator==(const PluginManifest&) const = default;
};

/// The canonical text of a manifest.
std::string manifest_json(const PluginManifest& manifest);

/// Parses a manifest and insists on the canonical form: anything else (other
/// keys, another order, spaces, limits or settings besides grants) is refused,
/// so no two texts sign the same manifest. Errors say what is wrong.
std::expected<PluginManifest, std::string> parse_manifest_json(std::string_view text);

/// Where `installed` grants more than `signed_grants` allow, a sentence saying
/// so (the first such grant); nullopt when it grants the same or less. A KV
/// grant without a namespace means `plugin_name`'s own.
std::optional<std::string> grants_beyond(const PluginGrants& installed, const PluginGrants& signed_grants,
                                         std::string_view plugin_name);

}  // namespace hookd::config
