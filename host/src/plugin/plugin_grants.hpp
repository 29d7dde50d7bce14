// What one plugin was granted, fixed when it is loaded, and the helpers every
// built-in host function shares to refuse a call and to log about the plugin
// through its log gate. Private to host/src/plugin.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hookd/engine/plugin.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host::detail {

struct Grants {
  std::string plugin;
  std::optional<std::string> kv_namespace;
  bool kv_write = false;
  bool config = false;
  bool crypto = false;
  std::map<std::string, std::string> config_values;
  FetchPolicy fetch;
  engine::PluginLogger log;  // the plugin's log gate (HostServices::log)
};

// A plugin-chosen string as a log line may carry it: at most
// kMaxHostLogFieldBytes, then how much was left out.
std::string log_field(std::string_view s);

// Every line a host call writes about a plugin goes through here, so that a
// plugin calling in a loop cannot write more of them than its log rate.
void host_log(const Grants& g, engine::LogLevel level, const engine::CallContext& ctx,
              std::string_view message);

// A refused grant: a log line, and the error the plugin sees.
std::unexpected<engine::Error> denied(const Grants& g, std::string_view what, const engine::CallContext& ctx);

std::string_view text(std::span<const uint8_t> b);

// A request a built-in cannot decode.
std::unexpected<engine::Error> bad_payload(std::string_view fn);

}  // namespace hookd::host::detail
