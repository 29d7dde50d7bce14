// The plain parts of the schema: defaults, names of enum values, small helpers.
#include "hookd/config/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "value_rules.hpp"

namespace hookd::config {

std::string_view to_string(LogLevel level) { return detail::name_of(detail::kLogLevels, level); }
std::string_view to_string(LogFormat format) { return detail::name_of(detail::kLogFormats, format); }
std::string_view to_string(KvBackend backend) { return detail::name_of(detail::kKvBackends, backend); }
std::string_view to_string(KvMode mode) { return detail::name_of(detail::kKvModes, mode); }
std::string_view to_string(EngineCompile compile) {
  return detail::name_of(detail::kEngineCompiles, compile);
}

unsigned effective_workers(const ServerConfig& server) {
  if (server.workers != 0) return server.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

PluginLimits PluginLimitOverrides::resolve(const PluginLimits& defaults) const {
  return {max_memory_pages.value_or(defaults.max_memory_pages), deadline.value_or(defaults.deadline),
          max_concurrency.value_or(defaults.max_concurrency),
          max_worker_share.value_or(defaults.max_worker_share)};
}

std::expected<FunctionName, std::string> FunctionName::parse(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= 128 && std::ranges::all_of(text, [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
  if (!ok) return std::unexpected(std::string("a function name is 1 to 128 of A-Z a-z 0-9 _ . -"));
  return FunctionName{std::string(text)};
}

std::expected<TrustedKey, std::string> TrustedKey::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "ed25519:";
  if (!text.starts_with(kPrefix)) return std::unexpected(std::string("expected \"ed25519:<base64 key>\""));
  const std::string_view b64 = text.substr(kPrefix.size());
  // 32 bytes are 44 base64 characters, the last one '='.
  const bool shape =
      b64.size() == 44 && b64.back() == '=' && std::all_of(b64.begin(), b64.end() - 1, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
      });
  if (!shape)
    return std::unexpected(std::string("expected \"ed25519:\" and 44 base64 characters (a 32-byte key)"));
  return TrustedKey{std::string(text)};
}

PluginLimits Config::limits_for(const PluginConfig& plugin) const {
  return plugin.settings.limits.resolve(plugin_defaults);
}

const PluginConfig* Config::find_plugin(std::string_view name) const {
  auto it = std::ranges::find(plugins, name, &PluginConfig::name);
  return it == plugins.end() ? nullptr : &*it;
}

std::string ConfigError::to_string() const {
  std::string out = source;
  if (line > 0) out += fmt::format(":{}", line);
  out += ": ";
  if (kind != Kind::unknown_key && !key.empty()) out += key + ": ";
  return out + message;
}

std::string to_string(const Errors& errors) {
  std::string out;
  for (const auto& error : errors) out += error.to_string() + "\n";
  return out;
}

Config defaults() { return Config{}; }

}  // namespace hookd::config
