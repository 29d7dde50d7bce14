// Starts a real gateway in-process on port 0 with a fresh data directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "hookd/config/config.hpp"
#include "hookd/server/composition.hpp"
#include "hookd/server/gateway.hpp"
#include "temp_dir.hpp"
#include "test_plugins.hpp"

namespace hookd::test {

inline config::Config test_config(const std::filesystem::path& data_dir) {
  config::Config c = config::defaults();
  c.server.listen = {"127.0.0.1", 0};
  c.server.admin_listen = {"127.0.0.1", 0};
  c.server.workers = 2;
  c.server.data_dir = data_dir;
  c.server.admin_token = "test-token";
  c.server.drain_timeout = std::chrono::milliseconds(5000);
  // drain() closes the port at once; the tests of the quiet window set it.
  c.server.drain_quiet = std::chrono::milliseconds(0);
  c.log.access_log = false;
  return c;
}

inline config::PluginConfig plugin_entry(std::string name, std::string_view file) {
  config::PluginConfig p;
  p.name = std::move(name);
  p.path = plugin_path(file);
  return p;
}

inline std::unique_ptr<server::Gateway> start_gateway(config::Config c) {
  auto g = server::start_gateway({std::move(c), HOOKD_PLUGIN_DIR});
  if (!g) {
    ADD_FAILURE() << "gateway did not start: " << g.error().message;
    return nullptr;
  }
  return std::move(*g);
}

}  // namespace hookd::test
