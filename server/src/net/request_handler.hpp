// Routes one HTTP request on the public listener, in this order:
//   POST /plugins/<name>/<fn>   plugin call: the session hands it to the
//                               dispatcher (call_dispatcher.hpp)
//   GET  /healthz /readyz
//   GET  /plugins               plugins and their functions (server.public_plugin_list)
//   GET  /metrics               (server.public_metrics)
// The last two are always on the admin listener (admin_api.hpp); here they
// are 404 unless switched on.
//   then the route table (routing/route_table.hpp): a route's function, or
//   405 with Allow when only the method differs
//   anything else: 404
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "calls/call_dispatcher.hpp"
#include "hookd/config/config.hpp"
#include "net/http_types.hpp"
#include "net/serve_state.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

// Every route but plugin calls.
class PublicRoutes {
 public:
  // `server`: which optional routes are on (public_metrics, public_plugin_list).
  PublicRoutes(const config::ServerConfig& server, const ServeState& state, const Metrics& metrics,
               const PluginRegistry& registry)
      : server_(server), state_(state), metrics_(metrics), registry_(registry) {}

  // Whether `path` is one of these routes (with the optional ones as
  // configured): they come before the route table.
  [[nodiscard]] bool serves(std::string_view path) const {
    return path == "/healthz" || path == "/readyz" || (path == "/metrics" && server_.public_metrics) ||
           (path == "/plugins" && server_.public_plugin_list);
  }

  // Answers `req` into `res`; returns the error kind ("" on success).
  std::string_view handle(std::string_view request_id, const HttpRequest& req, HttpResponse& res) const;

 private:
  const config::ServerConfig& server_;
  const ServeState& state_;
  const Metrics& metrics_;
  const PluginRegistry& registry_;
};

// 405 with the Allow header.
void method_not_allowed(HttpResponse& res, std::string_view allow, std::string_view plugin,
                        std::string_view fn, std::string_view request_id);

// GET /plugins: every plugin with its sha256 and functions, as JSON.
std::string plugin_list_json(const PluginRegistry& registry);
Encoding wanted_encoding(const HttpRequest& req);

struct PluginTarget {
  std::string_view plugin;
  std::string_view fn;
};
// "/plugins/<name>/<fn>[?query]" -> {name, fn}.
std::optional<PluginTarget> parse_plugin_target(std::string_view target);

}  // namespace hookd::server
