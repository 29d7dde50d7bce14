// What the sessions of the public listener (HttpSession, and the WsSession
// one becomes) use, and nothing else: built once by the gateway, which owns
// every part of it, and shared by all of its public connections.
#pragma once

#include <vector>

#include "calls/call_dispatcher.hpp"
#include "hookd/config/config.hpp"
#include "net/connection_count.hpp"
#include "net/request_budget.hpp"
#include "net/request_handler.hpp"
#include "net/response_budget.hpp"
#include "net/serve_state.hpp"
#include "observability/exchange_recorder.hpp"
#include "observability/metrics.hpp"
#include "observability/tracer.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

struct PublicServices {
  const config::LimitsConfig& limits;
  // Whose X-Forwarded-For is believed (server.trusted_proxies).
  const std::vector<config::IpNetwork>& trusted_proxies;
  const ServeState& state;
  ConnectionCount& connections;  // limits.max_connections; drain waits on it
  RequestBudget& requests;       // limits.max_buffered_request_bytes
  ResponseBudget& responses;     // limits.max_buffered_response_bytes
  CallDispatcher& calls;
  ExchangeRecorder& recorder;
  const PublicRoutes& routes;      // every route but plugin calls
  const PluginRegistry& registry;  // a WebSocket notices its plugin go
  Metrics& metrics;                // requests refused before they are read
  // Canary releases (docs/releases.md): X-Hookd-Version on a request names
  // the version to call (server.version_override); on a response, the
  // upload version that served it (server.version_header).
  bool version_override = false;
  bool version_header = false;
  const Tracer* tracer = nullptr;  // null: tracing is off
};

}  // namespace hookd::server
