// State shared by every listener, session and handler of one gateway.
#pragma once

#include <atomic>
#include <memory>

#include "hookd/config/config.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"
#include "hookd/server/gateway_parts.hpp"
#include "net/connection_count.hpp"
#include "net/request_budget.hpp"
#include "observability/access_log.hpp"
#include "observability/event_log.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

class CallDispatcher;

struct ServerContext {
  config::Config config;
  PluginRegistry registry;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<AccessLog> access_log;  // null when disabled
  // The gateway's parts (gateway_parts.hpp), owned by the gateway.
  host::KvStore* kv = nullptr;           // shared by all plugins granted KV
  host::HttpFetcher* fetcher = nullptr;  // outbound HTTP for plugins granted fetch (null: none)
  const Clock* clock = nullptr;
  std::shared_ptr<RandomSource> entropy;  // every plugin's random_get
  CallDispatcher* calls = nullptr;        // the plugin-call pipeline (owned by the gateway)
  EventLog events;                        // recent plugin logs and call errors (GET /admin/logs)
  std::atomic<bool> draining{false};
  std::atomic<bool> ready{false};
  ConnectionCount connections;                // public ones (limits.max_connections)
  std::atomic<int64_t> admin_connections{0};  // limits.admin_max_connections
  // Bytes of responses being written now, all connections of both kinds
  // (limits.max_buffered_response_bytes); see response_budget.hpp.
  std::atomic<int64_t> buffered_response_bytes{0};
  // Bytes of request bodies and WebSocket messages being received
  // (limits.max_buffered_request_bytes); see request_budget.hpp.
  RequestBudget request_budget;
};

}  // namespace hookd::server
