#include "hookd/server/gateway.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "admin/admin_api.hpp"
#include "calls/blocking_pool.hpp"
#include "calls/call_dispatcher.hpp"
#include "calls/io_worker.hpp"
#include "cluster/cluster_node.hpp"
#include "hookd/util/hex.hpp"
#include "net/admin_admission.hpp"
#include "net/admin_session.hpp"
#include "net/fd_limit.hpp"
#include "net/http_session.hpp"
#include "net/listener.hpp"
#include "plugins/data_dir.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_store.hpp"
#include "server_context.hpp"

namespace hookd::server {

namespace asio = boost::asio;
namespace fs = std::filesystem;

struct Gateway::Impl {
  // First, so it is destroyed last: everything below uses the parts.
  GatewayParts parts;
  ServerContext server;
  // Before the workers: their pending handlers (parked calls) reach it.
  std::unique_ptr<CallDispatcher> calls;
  std::vector<std::unique_ptr<IoWorker>> workers;
  // After the workers, so it is destroyed first: its queued calls own
  // sessions of the I/O workers (see shutdown).
  std::unique_ptr<BlockingPool> blocking;
  std::vector<std::unique_ptr<RequestIdGenerator>> ids;  // one per worker
  std::unique_ptr<PluginStore> store;
  std::unique_ptr<PluginManager> manager;
  std::unique_ptr<ClusterNode> cluster;  // cluster mode only; stopped before the manager goes
  std::unique_ptr<AdminApi> admin_api;
  std::unique_ptr<RequestIdGenerator> admin_ids;
  std::unique_ptr<AdminAdmission> admin_admission;  // admin thread only
  asio::io_context admin_io{1};
  std::thread admin_thread;
  std::vector<std::shared_ptr<TcpListener>> listeners;
  std::shared_ptr<TcpListener> admin_listener;
  std::string token;
  fs::path token_file;
  bool stopped = false;

  template <class F>
  auto on_admin_thread(F&& f) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto future = task.get_future();
    asio::post(admin_io, [&task] { task(); });
    return future.get();
  }

  ServerResult<void> load_initial_plugins(const PluginSource& source);
  ServerResult<void> setup_token();
  void cut_off_calls();
  void shutdown();
};

namespace {

// After the drain timeout: how long the connections of the calls cut off
// get to write their answers and close. docs/deployment.md sizes a
// supervisor's grace period with it (drain_accept_max + drain_timeout + this).
constexpr std::chrono::milliseconds kCutOffGrace{1000};

asio::ip::tcp::endpoint endpoint_of(const config::HostPort& hp) {
  return {asio::ip::make_address(hp.host), hp.port};
}

// 32 random bytes as hex; empty when there is no randomness.
std::string random_token(RandomSource& entropy) {
  uint8_t raw[32];
  if (!entropy.fill(raw)) return {};
  return util::to_hex(raw);
}

}  // namespace

ServerResult<void> Gateway::Impl::setup_token() {
  token = server.config.server.admin_token;
  if (!token.empty()) return {};
  // Kept in the data directory, so scripts and the dashboard's saved sign-in
  // keep working across restarts; deleting the file rotates it.
  token_file = server.config.server.data_dir / "admin.token";
  auto stored = load_or_create_token(token_file, [this] { return random_token(*parts.entropy); });
  if (!stored) return std::unexpected(stored.error());
  token = std::move(stored->token);
  if (stored->created) {
    spdlog::info("admin token generated and written to {} (mode 0600)", token_file.string());
  } else {
    spdlog::info("admin token read from {}", token_file.string());
  }
  return {};
}

// Where each plugin comes from, in order of precedence (docs/admin-api.yaml,
// README "Plugin sources"): the config file's plugins are pinned (an upload
// of such a name is refused with 409, and a stored upload of that name from
// an earlier version is skipped); then the uploads stored in the data dir;
// the examples only when neither exists. Each is logged with its reason, so
// an operator can see why a plugin is, or is not, what they expect.
ServerResult<void> Gateway::Impl::load_initial_plugins(const PluginSource& source) {
  for (const auto& p : source.configured) {
    spdlog::info("plugin {}: from the config file ({}); pinned, so an upload of this name is refused", p.name,
                 p.origin);
    auto r = manager->install(p.name, p.wasm, p.settings, PluginManager::Persist::kNo);
    if (!r) {
      return server_fail(ServerErrorKind::kPlugin,
                         "plugin " + p.name + " (" + p.origin + "): " + r.error().describe());
    }
  }
  std::vector<std::string> problems;
  // In cluster mode uploads live in the cluster catalog, not the data dir.
  auto stored = cluster ? std::vector<StoredPlugin>{} : store->load_all(problems);
  for (const auto& problem : problems) spdlog::error("stored plugin skipped: {}", problem);
  size_t uploads = 0;
  for (auto& s : stored) {
    if (config_plugin(server.config, s.name) != nullptr) {
      spdlog::warn(
          "plugin {}: the upload stored in {} is not loaded: the config file's plugin of that name is pinned "
          "(delete that file, or remove the plugin from the config file to serve the upload)",
          s.name, store->file_for(s.name).string());
      continue;
    }
    ++uploads;
    spdlog::info("plugin {}: from an upload stored in {} (no config file plugin has this name)", s.name,
                 store->file_for(s.name).string());
    auto r = manager->install(s.name, s.wasm, s.settings, PluginManager::Persist::kAlreadyStored);
    if (!r) spdlog::error("stored plugin {} not loaded: {}", s.name, r.error().describe());
  }
  if (!source.configured.empty() || uploads > 0) {
    spdlog::info("not loading the example plugins because {}",
                 !source.configured.empty() ? "the config file lists plugins"
                                            : "uploaded plugins are stored in " +
                                                  (server.config.server.data_dir / "plugins").string());
    return {};
  }
  if (source.fallback.empty()) {
    spdlog::info("not loading the example plugins because {}", server.config.server.load_example_plugins
                                                                   ? "none were found"
                                                                   : "server.load_example_plugins is false");
    return {};
  }
  spdlog::info(
      "loading the example plugins because no plugin source is configured (no plugins in the config file, "
      "no uploads stored in {}){}; they stop loading once either exists",
      (server.config.server.data_dir / "plugins").string(),
      cluster ? "; in cluster mode uploads come from the cluster catalog, loaded next" : "");
  for (const auto& p : source.fallback) {
    spdlog::info("plugin {}: an example ({})", p.name, p.origin);
    auto r = manager->install(p.name, p.wasm, p.settings, PluginManager::Persist::kNo);
    if (!r) spdlog::error("plugin {} ({}): {}", p.name, p.origin, r.error().describe());
  }
  return {};
}

ServerResult<std::unique_ptr<Gateway>> Gateway::start(config::Config config, GatewayParts parts) {
  if (!parts.vm || !parts.kv || !parts.clock || !parts.entropy) {
    return server_fail(ServerErrorKind::kConfig,
                       "a gateway needs a VM, a KV store, a clock and a random source");
  }
  auto impl = std::make_unique<Impl>();
  Impl& g = *impl;
  g.parts = std::move(parts);
  g.server.config = std::move(config);
  g.server.kv = g.parts.kv.get();
  g.server.fetcher = g.parts.fetcher.get();
  g.server.clock = g.parts.clock.get();
  g.server.entropy = g.parts.entropy;
  const config::Config& cfg = g.server.config;
  const unsigned n = config::effective_workers(cfg.server);
  raise_fd_limit(cfg.limits);
  g.server.metrics = std::make_unique<Metrics>(n);
  if (cfg.log.access_log) {
    AccessLog::Options ao;
    ao.format = cfg.log.format;
    ao.path = cfg.log.access_log_file;
    ao.flush_interval = cfg.log.access_log_flush_interval;
    auto log = AccessLog::open(std::move(ao), n);
    if (!log) return std::unexpected(log.error());
    g.server.access_log = std::move(*log);
    g.server.metrics->add_counter_source(
        "hookd_access_log_dropped_total",
        "Access log lines lost: dropped while the output stalled, or lost to a failed write.",
        [log = g.server.access_log.get()] { return log->dropped(); });
  }
  g.server.request_budget.set_limit(cfg.limits.max_buffered_request_bytes);
  // Returning the freed bodies' pages walks every arena: on the admin
  // thread, not on a worker's request path.
  g.server.request_budget.set_trim([&g] { asio::post(g.admin_io, [] { ::malloc_trim(0); }); });
  g.server.metrics->add_gauge_source(
      "hookd_buffered_request_bytes",
      "Bytes of request bodies and WebSocket messages being received (limits.max_buffered_request_bytes).",
      [&budget = g.server.request_budget] { return budget.held(); });
  g.server.metrics->add_counter_source(
      "hookd_request_budget_refusals_total",
      "Requests refused (503) and WebSocket sessions closed (1013) at limits.max_buffered_request_bytes.",
      [&budget = g.server.request_budget] { return budget.refusals(); });
  if (auto r = ensure_private_dir(cfg.server.data_dir); !r) return std::unexpected(r.error());
  engine::Vm& vm = *g.parts.vm;
  g.store = std::make_unique<PluginStore>(cfg.server.data_dir / "plugins");

  std::vector<IoWorker*> raw;
  for (unsigned i = 0; i < n; ++i) {
    g.workers.push_back(std::make_unique<IoWorker>(i, vm, g.server.registry));
    g.ids.push_back(std::make_unique<RequestIdGenerator>(*g.parts.entropy));
    raw.push_back(g.workers.back().get());
  }
  for (auto& w : g.workers) {
    // Plugins of the blocking lane run only there (limits.blocking_threads > 0).
    w->set_hosting(cfg.limits.blocking_threads > 0 ? IoWorker::Hosting::kInline : IoWorker::Hosting::kAll);
    w->set_metrics(&g.server.metrics->shard(w->index()));
    w->start();
  }
  // The blocking lane: threads for plugins that wait on the network.
  g.blocking = std::make_unique<BlockingPool>(cfg.limits.blocking_threads, cfg.limits.queue_depth, vm,
                                              g.server.registry);
  g.blocking->start();
  g.calls = std::make_unique<CallDispatcher>(g.server, g.blocking.get());
  g.server.calls = g.calls.get();
  for (IoWorker* w : g.blocking->workers()) raw.push_back(w);
  g.manager = std::make_unique<PluginManager>(vm, g.server, raw, *g.store);
  g.admin_ids = std::make_unique<RequestIdGenerator>(*g.parts.entropy);
  g.admin_admission = std::make_unique<AdminAdmission>(cfg.limits.admin_max_connections);
  g.server.metrics->add_counter_source(
      "hookd_admin_connections_evicted_total",
      "Admin connections without a valid token closed to admit a new one at limits.admin_max_connections.",
      [admission = g.admin_admission.get()] { return admission->evicted(); });
  g.admin_thread = std::thread([&g] {
    auto guard = asio::make_work_guard(g.admin_io);
    g.admin_io.run();
  });
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(impl)));

  if (auto r = g.setup_token(); !r) return std::unexpected(r.error());
  if (cfg.cluster.enabled) {
    g.cluster = std::make_unique<ClusterNode>(g.server, *g.manager);
    g.manager->set_save_upload([cluster = g.cluster.get()](const std::string& name,
                                                           std::span<const uint8_t> wasm,
                                                           const config::PluginSettings& settings) {
      return cluster->save_upload(name, wasm, settings);
    });
  }
  g.manager->start();
  if (auto r = g.on_admin_thread([&] { return g.load_initial_plugins(g.parts.plugins); }); !r) {
    return std::unexpected(r.error());
  }
  // Cluster mode: no listener opens before the node serves the catalog (a
  // proxy without active health checks would send it requests it cannot serve).
  if (g.cluster) {
    if (auto r = g.cluster->initial_sync(); !r)
      return server_fail(ServerErrorKind::kStorage, r.error().message);
  }
  g.parts.plugins = {};  // loaded: the modules are compiled, the bytes no longer needed
  g.admin_api = std::make_unique<AdminApi>(g.server, *g.manager, g.token);
  g.admin_api->set_cluster(g.cluster.get());

  // Public listeners: one per worker on the same port.
  asio::ip::tcp::endpoint ep;
  try {
    ep = endpoint_of(cfg.server.listen);
  } catch (const std::exception& e) {
    return server_fail(ServerErrorKind::kConfig, "bad listen address: " + std::string(e.what()));
  }
  // Just before binding too (start_gateway checked at once): the plugins'
  // load took a while, and another process may have come meanwhile.
  if (auto r = ensure_address_free(ep); !r) return std::unexpected(r.error());
  for (size_t i = 0; i < g.workers.size(); ++i) {
    IoWorker& w = *g.workers[i];
    RequestIdGenerator& ids = *g.ids[i];
    ServerContext& server = g.server;
    auto listener = TcpListener::open(w.io(), ep, true, [&server, &w, &ids](TcpSocket s) {
      const int64_t current = server.connections.add();
      server.metrics->count_connection("public");
      // While draining the listener still accepts (until the proxy in front
      // has stopped sending); each response then closes its connection.
      if (current >= static_cast<int64_t>(server.config.limits.max_connections)) {
        server.connections.remove();
        server.metrics->count_rejected_connection("public");
        return refuse_connection(s);
      }
      std::make_shared<HttpSession>(std::move(s), server, w, ids)->start();
    });
    if (!listener) return std::unexpected(listener.error());
    if (ep.port() == 0) ep.port((*listener)->port());  // the others join the chosen port
    g.listeners.push_back(*listener);
  }
  asio::ip::tcp::endpoint admin_ep;
  try {
    admin_ep = endpoint_of(cfg.server.admin_listen);
  } catch (const std::exception& e) {
    return server_fail(ServerErrorKind::kConfig, "bad admin listen address: " + std::string(e.what()));
  }
  auto admin = TcpListener::open(g.admin_io, admin_ep, false, [&g](TcpSocket s) {
    ServerContext& server = g.server;
    server.metrics->count_connection("admin");
    const int64_t current = server.admin_connections.fetch_add(1, std::memory_order_relaxed);
    // At the cap, a connection that has not shown the token makes room
    // (admin_admission.hpp); only authorized ones refuse the new one.
    if (current >= static_cast<int64_t>(server.config.limits.admin_max_connections) &&
        !g.admin_admission->evict_oldest()) {
      server.admin_connections.fetch_sub(1, std::memory_order_relaxed);
      server.metrics->count_rejected_connection("admin");
      return refuse_connection(s);
    }
    auto session = std::make_shared<AdminSession>(std::move(s), *g.admin_api, server, *g.admin_ids);
    g.admin_admission->add(session);
    session->start();
  });
  if (!admin) return std::unexpected(admin.error());
  g.admin_listener = *admin;
  if (g.cluster) g.cluster->start(ep.port());
  for (auto& l : g.listeners) l->start();
  g.admin_listener->start();
  g.server.ready.store(true);
  spdlog::info("hookd serving on {}:{} with {} workers; admin on {}:{}", ep.address().to_string(), ep.port(),
               n, admin_ep.address().to_string(), g.admin_listener->port());
  return gateway;
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() { stop(); }

uint16_t Gateway::port() const { return impl_->listeners.empty() ? 0 : impl_->listeners.front()->port(); }
uint16_t Gateway::admin_port() const { return impl_->admin_listener ? impl_->admin_listener->port() : 0; }
const std::string& Gateway::admin_token() const { return impl_->token; }
const fs::path& Gateway::admin_token_file() const { return impl_->token_file; }

void Gateway::reopen_logs() {
  if (impl_->server.access_log) impl_->server.access_log->reopen();
}

bool Gateway::drain() {
  Impl& g = *impl_;
  const auto& cfg = g.server.config.server;
  // 1. Leave the load balancer: /readyz answers 503 and every response closes
  //    its connection, but new connections are still served until none has
  //    arrived for drain_quiet (at most drain_accept_max): a proxy keeps
  //    sending until its health check or its endpoint list catches up, and
  //    a refused connection there would be a failed request.
  g.server.draining.store(true);
  if (g.cluster) g.cluster->set_leaving();
  const auto began = std::chrono::steady_clock::now();
  if (cfg.drain_quiet.count() > 0) {
    const auto give_up = began + cfg.drain_accept_max;
    for (;;) {
      auto last = began;
      for (auto& l : g.listeners) last = std::max(last, l->last_accept());
      const auto until = std::min(last + cfg.drain_quiet, give_up);
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_until(until);
    }
    spdlog::info(
        "drain: stopped accepting after {} ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began)
            .count());
  }
  // 2. Close the listeners without resetting a queued connection
  //    (TcpListener::stop_accepting), then close idle connections and
  //    WebSockets and let in-flight requests finish. The count of
  //    connections only means something once no listener can add one, so
  //    the listeners' close is awaited first. A connection accepted at the
  //    very end has sent nothing yet and is left to send its request.
  const auto deadline = std::chrono::steady_clock::now() + cfg.drain_timeout;
  std::vector<std::future<void>> listeners_closed;
  for (auto& l : g.listeners) {
    auto closed = std::make_shared<std::promise<void>>();
    listeners_closed.push_back(closed->get_future());
    l->stop_accepting([closed] { closed->set_value(); });
  }
  for (auto& f : listeners_closed) f.wait_until(deadline);
  for (auto& w : g.workers) {
    IoWorker* worker = w.get();
    worker->post([worker] {
      // Copy: draining a session may remove it from the set.
      std::vector<Session*> sessions(worker->sessions().begin(), worker->sessions().end());
      for (Session* s : sessions) s->drain();
    });
  }
  const bool drained = g.server.connections.wait_for_none(deadline);
  if (!drained) {
    spdlog::warn("drain timeout: {} connections still open; terminating the plugin calls still running",
                 g.server.connections.load());
    g.cut_off_calls();
  }
  return drained;
}

void Gateway::Impl::cut_off_calls() {
  // The drain timeout bounds the stop, not the plugins' deadlines: a call
  // still running is terminated, and so is any call that starts meanwhile
  // (a request read just before), so each client gets the error of a call
  // past its deadline rather than a connection closed without an answer.
  // Then the sessions have kCutOffGrace to write those answers and close.
  std::vector<IoWorker*> all;
  for (auto& w : workers) all.push_back(w.get());
  if (blocking) {
    for (IoWorker* w : blocking->workers()) all.push_back(w);
  }
  const auto until = std::chrono::steady_clock::now() + kCutOffGrace;
  for (;;) {
    for (IoWorker* w : all) w->terminate_call();
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) break;
    if (server.connections.wait_for_none(std::min(until, now + std::chrono::milliseconds(10)))) break;
  }
}

void Gateway::stop() { impl_->shutdown(); }

void Gateway::Impl::shutdown() {
  if (stopped) return;
  stopped = true;
  server.draining.store(true);
  for (auto& l : listeners) l->stop();
  if (admin_listener) admin_listener->stop();
  if (admin_thread.joinable()) {
    if (manager) manager->stop();  // cuts a load short; its reply still reaches the admin thread
    admin_io.stop();
    admin_thread.join();
  }
  if (cluster) cluster->stop();  // after the manager: a load it waits for fails fast
  // The order matters. The I/O workers' loops stop first, so no new call
  // reaches the lane. Then the lane: its threads finish the calls they run
  // (a result posted to a stopped I/O worker stays in that worker's queue) and
  // are joined, and the calls still queued are dropped: they own sessions
  // whose destructors reach their I/O worker, which must still exist. Only
  // then are the I/O workers destroyed, with the handlers left in their
  // queues and the sessions those own. (Proven under ASan by
  // BlockingLane.StoppingWithLaneCallsRunningAndQueuedEndsThemBeforeTheWorkers.)
  for (auto& w : workers) w->stop();
  if (blocking) blocking->stop();
  listeners.clear();
  admin_listener.reset();
  workers.clear();
  if (server.access_log) server.access_log->flush();
}

}  // namespace hookd::server
