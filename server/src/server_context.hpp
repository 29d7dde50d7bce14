// State shared by every listener, session and handler of one gateway.
#pragma once

#include <atomic>
#include <memory>

#include "hookd/config/config.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"
#include "hookd/server/metrics.hpp"
#include "access_log.hpp"
#include "hookd/server/plugin_registry.hpp"

namespace hookd::server {

class BlockingPool;

struct ServerContext {
  config::Config config;
  PluginRegistry registry;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<AccessLog> access_log;       // null when disabled
  std::unique_ptr<host::KvStore> kv;            // kv.backend; shared by all plugins
  std::unique_ptr<host::HttpFetcher> fetcher;   // outbound HTTP for plugins granted fetch
  BlockingPool* blocking = nullptr;             // the blocking lane (owned by the gateway)
  std::atomic<bool> draining{false};
  std::atomic<bool> ready{false};
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> admin_connections{0};  // limits.admin_max_connections
  // Bytes of responses being written now, all connections of both kinds
  // (limits.max_buffered_response_bytes); see response_budget.hpp.
  std::atomic<int64_t> buffered_response_bytes{0};
};

}  // namespace hookd::server
