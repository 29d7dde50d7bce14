// Per-plugin settings as JSON, for the admin API: a plugin upload carries its
// settings in this form, and the server persists them in it next to the module.
//
// The JSON object has the same keys as a [plugins.<name>] table minus "path":
//   {"sha256": "...", "max_memory_pages": 128, "deadline_ms": 500,
//    "max_concurrency": 8, "config": {"greeting": "Hi"},
//    "grants": {"kv": {"namespace": "echo", "mode": "rw"},
//               "fetch": ["https://api.example.com"], "config": true,
//               "log_level": "info", "log_rate_per_sec": 100},
//    "signature": "<base64 Ed25519 signature, docs/security/signing.md>",
//    "routes": [{"methods": ["GET"], "path": "/r/{code}", "function": "resolve"}]}
// (routes: docs/configuration.md, "Routes"; without "plugin", which is this one).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "hookd/config/config.hpp"

namespace hookd::config {

/// Parses and checks settings. Errors name the key path ("grants.kv.mode");
/// syntax errors name the line within the JSON text. `plugin_name`, when given, fills in a KV
/// grant without a namespace; otherwise it stays empty (meaning the plugin's own).
std::expected<PluginSettings, Errors> parse_plugin_settings_json(std::string_view json,
                                                                 std::string_view plugin_name = {});

/// Serializes settings so that parse_plugin_settings_json gives them back.
std::string plugin_settings_to_json(const PluginSettings& settings);

}  // namespace hookd::config
