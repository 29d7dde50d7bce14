// The plain parts of the schema: defaults, names of enum values, small helpers.
#include "hookd/config/config.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "value_rules.hpp"

namespace hookd::config {

std::string_view to_string(LogLevel level) { return detail::name_of(detail::kLogLevels, level); }
std::string_view to_string(LogFormat format) { return detail::name_of(detail::kLogFormats, format); }
std::string_view to_string(KvBackend backend) { return detail::name_of(detail::kKvBackends, backend); }
std::string_view to_string(KvMode mode) { return detail::name_of(detail::kKvModes, mode); }

unsigned effective_workers(const ServerConfig& server) {
  if (server.workers != 0) return server.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

PluginLimits PluginLimitOverrides::resolve(const PluginLimits& defaults) const {
  return {max_memory_pages.value_or(defaults.max_memory_pages), deadline.value_or(defaults.deadline),
          max_concurrency.value_or(defaults.max_concurrency)};
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
