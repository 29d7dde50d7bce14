// Routes one HTTP request to its handler and fills in the response:
//   POST /plugins/<name>/<fn>   plugin call
//   GET  /healthz /readyz
//   GET  /plugins               plugins and their functions (server.public_plugin_list)
//   GET  /metrics               (server.public_metrics)
// The last two are always on the admin listener (admin_api.hpp); here they
// are 404 unless switched on.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client_address.hpp"
#include "http_types.hpp"
#include "io_worker.hpp"
#include "server_context.hpp"

namespace hookd::server {

enum class Encoding { kAsDeclared, kJson, kMsgpack };

// A plugin call handed to the blocking lane instead of run inline.
struct DeferredCall {
  bool pending = false;
  Encoding want = Encoding::kAsDeclared;
  // Instead of a response: the plugin is at its share of the I/O workers and
  // the request may still wait (see worker_share.hpp); handle it again soon.
  bool parked = false;
};

struct RequestContext {
  ServerContext& server;
  IoWorker& worker;
  MetricsShard& metrics;
  std::string request_id;
  ClientInfo client;
  // Filled by the handler for logs and metrics.
  std::string_view plugin;
  std::string_view fn;
  std::string_view error_kind;
  MetricsShard::FnStats* stats = nullptr;  // set when plugin and fn are known
  DeferredCall deferred;                   // set instead of a response for blocking plugins
  // Scratch buffers reused across the requests of a session.
  std::vector<uint8_t>* scratch = nullptr;
  // When the request arrived, if the transport can park a call that finds its
  // plugin at its worker share (CallOutcome::parked); unset: refused at once.
  std::chrono::steady_clock::time_point arrived{};
};

void handle_request(RequestContext& rc, HttpRequest& req, HttpResponse& res);

// GET /plugins: every plugin with its sha256 and functions, as JSON.
std::string plugin_list_json(const PluginRegistry& registry);
Encoding wanted_encoding(const HttpRequest& req);

struct PluginTarget {
  std::string_view plugin;
  std::string_view fn;
};
// "/plugins/<name>/<fn>[?query]" -> {name, fn}.
std::optional<PluginTarget> parse_plugin_target(std::string_view target);

// Runs a plugin function for a request body: used by HTTP and WebSocket.
struct CallOutcome {
  http::status status = http::status::ok;
  std::string_view content_type;
  std::string body;           // output, or the JSON error
  std::string_view error_kind;  // "" on success
  bool retry_after = false;
  bool parked = false;  // not run: at the plugin's worker share, may wait (no response yet)
};
void call_plugin(RequestContext& rc, BoundPlugin& bp, const engine::FunctionInfo& fn,
                 std::string_view body, std::string_view content_type, Encoding want,
                 CallOutcome& out);

}  // namespace hookd::server
