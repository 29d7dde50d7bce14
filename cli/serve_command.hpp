#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "hookd/config/config.hpp"

namespace hookd::cli {

struct ServeArgs {
  std::optional<std::filesystem::path> config_file;
  config::CliOverrides overrides;
  bool check_config = false;
  std::filesystem::path example_plugin_dir;
};

// Loads the config (file, environment, flags), then serves until SIGTERM or
// SIGINT, draining gracefully. Exit codes: 0 clean stop, 2 config error,
// 1 startup failure.
int run_serve(const ServeArgs& args);

}  // namespace hookd::cli
