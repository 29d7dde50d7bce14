// The gateway's composition (private to gateway.cpp and
// gateway_compose.cpp): every component it is made of, and the order they
// are built and destroyed in.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "admin/admin_api.hpp"
#include "admin/dashboard_api.hpp"
#include "calls/blocking_pool.hpp"
#include "calls/call_dispatcher.hpp"
#include "calls/io_worker.hpp"
#include "hookd/server/gateway.hpp"
#include "net/admin_admission.hpp"
#include "net/connection_count.hpp"
#include "net/listener.hpp"
#include "net/public_services.hpp"
#include "net/request_budget.hpp"
#include "net/request_handler.hpp"
#include "net/request_id.hpp"
#include "net/response_budget.hpp"
#include "net/serve_state.hpp"
#include "observability/access_log.hpp"
#include "observability/counting_fetcher.hpp"
#include "observability/event_log.hpp"
#include "observability/exchange_recorder.hpp"
#include "observability/metrics.hpp"
#include "observability/plugin_host_services.hpp"
#include "observability/span_exporter.hpp"
#include "observability/tracer.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_registry.hpp"
#include "releases/release_controller.hpp"

namespace hookd::server {

// The gateway's composition: every component, built from the configuration
// and the parts (compose), each given only what it uses; then wired and
// started (Gateway::start). Members are destroyed in reverse order, so each
// outlives those that hold a reference to it.
struct Gateway::Impl {
  Impl(config::Config c, GatewayParts p)
      : parts(std::move(p)),
        cfg(std::move(c)),
        events(*parts.clock),
        responses(cfg.limits.max_buffered_response_bytes) {}

  // First, so it is destroyed last: everything below uses the parts.
  GatewayParts parts;
  config::Config cfg;
  // Shared by every connection and call: what serves, what is counted.
  PluginRegistry registry;
  std::unique_ptr<Metrics> metrics;
  // Tracing (null when off): the exporter's thread sends what the tracer
  // records. Before everything that records spans, so it outlives them.
  std::unique_ptr<SpanExporter> span_exporter;
  std::unique_ptr<Tracer> tracer;
  // The plugins' fetcher, counting outcomes in metrics (parts.fetcher
  // inside); null when there is none. Before everything that runs plugins.
  std::unique_ptr<CountingFetcher> fetcher;
  // What each plugin is lent: the store and fetcher above, counted under
  // its name. Before everything that runs plugins, like them.
  std::unique_ptr<PluginHostServices> host_services;
  std::unique_ptr<AccessLog> access_log;  // null when disabled
  EventLog events;                        // recent plugin logs and call errors (GET /admin/logs)
  ServeState state;
  ConnectionCount connections;                // public ones (limits.max_connections)
  std::atomic<int64_t> admin_connections{0};  // limits.admin_max_connections
  ResponseBudget responses;                   // see response_budget.hpp
  RequestBudget requests;                     // see request_budget.hpp
  std::unique_ptr<ExchangeRecorder> recorder;
  std::unique_ptr<PublicRoutes> routes;
  // Before the workers: their pending handlers (parked calls) reach it.
  std::unique_ptr<CallDispatcher> calls;
  std::unique_ptr<PublicServices> services;
  std::vector<std::unique_ptr<IoWorker>> workers;
  // After the workers, so it is destroyed first: its queued calls own
  // sessions of the I/O workers (see shutdown).
  std::unique_ptr<BlockingPool> blocking;
  std::vector<std::unique_ptr<RequestIdGenerator>> ids;  // one per worker
  std::unique_ptr<PluginManager> manager;
  // Where uploads are kept: the data dir, or the cluster catalog. After the
  // manager: it loads through it, and is stopped before the manager goes.
  std::unique_ptr<PluginCatalog> catalog;
  std::unique_ptr<DashboardApi> dashboard;
  // Canary releases' decisions (docs/releases.md): stopped first at shutdown.
  std::unique_ptr<ReleaseController> releases;
  std::unique_ptr<AdminApi> admin_api;
  std::unique_ptr<RequestIdGenerator> admin_ids;
  std::unique_ptr<AdminAdmission> admin_admission;  // admin thread only
  boost::asio::io_context admin_io{1};
  std::thread admin_thread;
  std::vector<std::shared_ptr<TcpListener>> listeners;
  std::shared_ptr<TcpListener> admin_listener;
  std::string token;
  std::filesystem::path token_file;
  bool stopped = false;

  template <class F>
  auto on_admin_thread(F&& f) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto future = task.get_future();
    boost::asio::post(admin_io, [&task] { task(); });
    return future.get();
  }

  // gateway_compose.cpp: builds every component from the configuration and
  // the parts, each given the slice of the configuration and the
  // collaborators it uses; starts nothing.
  ServerResult<void> compose();
  ServerResult<void> open_access_log(unsigned workers);
  ServerResult<void> start_tracing();
  void count_budgets();
  std::unique_ptr<PluginCatalog> make_catalog();
  ServerResult<void> load_initial_plugins(const PluginSource& source);
  ServerResult<void> setup_token();
  ServerResult<void> open_listeners();
  void accept_public(IoWorker& w, RequestIdGenerator& ids, TcpSocket s);
  void accept_admin(TcpSocket s);
  void cut_off_calls();
  void shutdown();
};

}  // namespace hookd::server
