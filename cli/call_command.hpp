#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookd::cli {

struct CallArgs {
  std::string plugin_path;
  std::string function;
  std::optional<std::string> data;
  std::optional<std::string> input_file;
  std::string sha256;
  uint32_t timeout_ms = 1000;
  uint32_t max_memory_pages = 256;
  // --config key=value (repeatable): the plugin's config values, granted
  // (hookd.config.get for hookd plugins, config_get for Extism plugins).
  std::vector<std::string> config;
};

// Exit codes of `hookd call`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitPluginError = 1;
inline constexpr int kExitUsage = 2;

// Loads the plugin, calls the function once, writes the output to stdout.
int run_call(const CallArgs& args);

}  // namespace hookd::cli
