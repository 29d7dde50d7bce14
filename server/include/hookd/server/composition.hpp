// The composition root of `hookd serve`: the real parts a Gateway is built
// from (gateway_parts.hpp), made from the configuration. Product policy that
// is not the gateway's business lives here too: which example plugins load
// when nothing else is configured, and the grants they get.
#pragma once

#include <filesystem>
#include <memory>

#include "hookd/config/config.hpp"
#include "hookd/server/error.hpp"
#include "hookd/server/gateway.hpp"
#include "hookd/server/gateway_parts.hpp"

namespace hookd::server {

struct GatewayOptions {
  config::Config config;
  // Where the example plugins are, for config.server.load_example_plugins.
  std::filesystem::path example_plugin_dir;
};

// The V8 engine, the configured KV backend (memory, LMDB in the data
// directory, or Redis), the outbound HTTP fetcher, the system clock and
// entropy (hookd/util), and the plugin files: the configured ones and, when asked
// for, the examples.
ServerResult<GatewayParts> real_parts(const config::Config& config,
                                      const std::filesystem::path& example_plugin_dir);

// real_parts, then Gateway::start.
ServerResult<std::unique_ptr<Gateway>> start_gateway(GatewayOptions options);

}  // namespace hookd::server
