// Routes one HTTP request on the public listener:
//   POST /plugins/<name>/<fn>   plugin call: the session hands it to the
//                               dispatcher (call_dispatcher.hpp)
//   GET  /healthz /readyz
//   GET  /plugins               plugins and their functions (server.public_plugin_list)
//   GET  /metrics               (server.public_metrics)
// The last two are always on the admin listener (admin_api.hpp); here they
// are 404 unless switched on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "calls/call_dispatcher.hpp"
#include "net/http_types.hpp"
#include "server_context.hpp"

namespace hookd::server {

// Every route but plugin calls; returns the error kind ("" on success).
std::string_view handle_request(ServerContext& server, std::string_view request_id, const HttpRequest& req,
                                HttpResponse& res);

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
