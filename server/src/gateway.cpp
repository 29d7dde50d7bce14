#include "hookd/server/gateway.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "gateway_impl.hpp"
#include "net/admin_session.hpp"
#include "net/http_session.hpp"
#include "plugins/catalog_routes.hpp"

namespace hookd::server {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// After the drain timeout: how long the connections of the calls cut off
// get to write their answers and close. docs/deployment.md sizes a
// supervisor's grace period with it (drain_accept_max + drain_timeout + this).
constexpr std::chrono::milliseconds kCutOffGrace{1000};

asio::ip::tcp::endpoint endpoint_of(const config::HostPort& hp) {
  return {asio::ip::make_address(hp.host), hp.port};
}

}  // namespace

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
  const size_t uploads = catalog->load_kept();
  if (!source.configured.empty() || uploads > 0) {
    spdlog::info("not loading the example plugins because {}",
                 !source.configured.empty() ? "the config file lists plugins"
                                            : "uploaded plugins are " + catalog->describe());
    return {};
  }
  if (source.fallback.empty()) {
    spdlog::info("not loading the example plugins because {}", cfg.server.load_example_plugins
                                                                   ? "none were found"
                                                                   : "server.load_example_plugins is false");
    return {};
  }
  spdlog::info(
      "loading the example plugins because no plugin source is configured (no plugins in the config file, "
      "no uploads {}); they stop loading once either exists",
      catalog->describe());
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
  auto impl = std::make_unique<Impl>(std::move(config), std::move(parts));
  Impl& g = *impl;
  if (auto r = g.compose(); !r) return std::unexpected(r.error());

  for (auto& w : g.workers) {
    // Plugins of the blocking lane run only there (the schema requires
    // limits.blocking_threads >= 1).
    w->set_hosting(IoWorker::Hosting::kInline);
    w->set_metrics(&g.metrics->shard(w->index()));
    w->start();
  }
  g.blocking->start();
  g.admin_thread = std::thread([&g] {
    auto guard = asio::make_work_guard(g.admin_io);
    g.admin_io.run();
  });
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(impl)));

  g.manager->start();
  g.releases->start();
  if (auto r = g.on_admin_thread([&] { return g.load_initial_plugins(g.parts.plugins); }); !r) {
    return std::unexpected(r.error());
  }
  // No listener opens before the catalog is served (cluster mode).
  if (auto r = g.catalog->join(); !r) return std::unexpected(r.error());
  // A [[routes]] entry for a plugin that is not loaded now is a misspelt
  // name, or a plugin that failed to load: either way the route would 404.
  if (auto inactive = inactive_file_routes(g.cfg, *g.registry.snapshot()); !inactive.empty()) {
    std::string message = "routes:";
    for (const auto& line : inactive) message += " " + line + ";";
    message.pop_back();
    return server_fail(ServerErrorKind::kConfig, message);
  }
  g.parts.plugins = {};  // loaded: the modules are compiled, the bytes no longer needed
  if (auto r = g.open_listeners(); !r) return std::unexpected(r.error());
  return gateway;
}

ServerResult<void> Gateway::Impl::open_listeners() {
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
  for (size_t i = 0; i < workers.size(); ++i) {
    IoWorker& w = *workers[i];
    RequestIdGenerator& worker_ids = *ids[i];
    auto listener = TcpListener::open(w.io(), ep, true, [this, &w, &worker_ids](TcpSocket s) {
      accept_public(w, worker_ids, std::move(s));
    });
    if (!listener) return std::unexpected(listener.error());
    if (ep.port() == 0) ep.port((*listener)->port());  // the others join the chosen port
    listeners.push_back(*listener);
  }
  asio::ip::tcp::endpoint admin_ep;
  try {
    admin_ep = endpoint_of(cfg.server.admin_listen);
  } catch (const std::exception& e) {
    return server_fail(ServerErrorKind::kConfig, "bad admin listen address: " + std::string(e.what()));
  }
  auto admin =
      TcpListener::open(admin_io, admin_ep, false, [this](TcpSocket s) { accept_admin(std::move(s)); });
  if (!admin) return std::unexpected(admin.error());
  admin_listener = *admin;
  catalog->start(ep.port());
  for (auto& l : listeners) l->start();
  admin_listener->start();
  state.ready.store(true);
  spdlog::info("hookd serving on {}:{} with {} workers; admin on {}:{}", ep.address().to_string(), ep.port(),
               workers.size(), admin_ep.address().to_string(), admin_listener->port());
  return {};
}

void Gateway::Impl::accept_public(IoWorker& w, RequestIdGenerator& worker_ids, TcpSocket s) {
  const int64_t current = connections.add();
  metrics->count_connection("public");
  // While draining the listener still accepts (until the proxy in front
  // has stopped sending); each response then closes its connection.
  if (current >= static_cast<int64_t>(cfg.limits.max_connections)) {
    connections.remove();
    metrics->count_rejected_connection("public");
    return refuse_connection(s);
  }
  std::make_shared<HttpSession>(std::move(s), *services, w, worker_ids)->start();
}

void Gateway::Impl::accept_admin(TcpSocket s) {
  metrics->count_connection("admin");
  const int64_t current = admin_connections.fetch_add(1, std::memory_order_relaxed);
  // At the cap, a connection that has not shown the token makes room
  // (admin_admission.hpp); only authorized ones refuse the new one.
  if (current >= static_cast<int64_t>(cfg.limits.admin_max_connections) && !admin_admission->evict_oldest()) {
    admin_connections.fetch_sub(1, std::memory_order_relaxed);
    metrics->count_rejected_connection("admin");
    return refuse_connection(s);
  }
  auto session = std::make_shared<AdminSession>(std::move(s), *admin_api, cfg.limits, admin_connections,
                                                *metrics, *admin_ids);
  admin_admission->add(session);
  session->start();
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() { stop(); }

uint16_t Gateway::port() const { return impl_->listeners.empty() ? 0 : impl_->listeners.front()->port(); }
uint16_t Gateway::admin_port() const { return impl_->admin_listener ? impl_->admin_listener->port() : 0; }
const std::string& Gateway::admin_token() const { return impl_->token; }
const fs::path& Gateway::admin_token_file() const { return impl_->token_file; }

void Gateway::reopen_logs() {
  if (impl_->access_log) impl_->access_log->reopen();
}

bool Gateway::drain() {
  Impl& g = *impl_;
  const auto& cfg = g.cfg.server;
  // 1. Leave the load balancer: /readyz answers 503 and every response closes
  //    its connection, but new connections are still served until none has
  //    arrived for drain_quiet (at most drain_accept_max): a proxy keeps
  //    sending until its health check or its endpoint list catches up, and
  //    a refused connection there would be a failed request.
  g.state.draining.store(true);
  if (g.catalog) g.catalog->set_leaving();
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
  const bool drained = g.connections.wait_for_none(deadline);
  if (!drained) {
    spdlog::warn("drain timeout: {} connections still open; terminating the plugin calls still running",
                 g.connections.load());
    g.cut_off_calls();
  }
  // The drained requests' spans: sent now, while the process still runs,
  // within what is left of the drain timeout (at least one export's time).
  if (g.span_exporter) {
    const auto flush_by = std::max(deadline, std::chrono::steady_clock::now() + g.cfg.tracing.export_timeout);
    if (!g.span_exporter->flush(flush_by)) spdlog::warn("drain: tracing spans still unsent at the deadline");
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
  all.reserve(workers.size() + (blocking ? blocking->workers().size() : 0));
  for (auto& w : workers) all.push_back(w.get());
  if (blocking) {
    for (IoWorker* w : blocking->workers()) all.push_back(w);
  }
  const auto until = std::chrono::steady_clock::now() + kCutOffGrace;
  for (;;) {
    for (IoWorker* w : all) w->terminate_call();
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) break;
    if (connections.wait_for_none(std::min(until, now + std::chrono::milliseconds(10)))) break;
  }
}

void Gateway::stop() { impl_->shutdown(); }

void Gateway::Impl::shutdown() {
  if (stopped) return;
  stopped = true;
  if (releases) releases->stop();  // no decision while the gateway stops
  state.draining.store(true);
  for (auto& l : listeners) l->stop();
  if (admin_listener) admin_listener->stop();
  if (admin_thread.joinable()) {
    if (manager) manager->stop();  // cuts a load short; its reply still reaches the admin thread
    admin_io.stop();
    admin_thread.join();
  }
  if (catalog) catalog->stop();  // after the manager: a load it waits for fails fast
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
  if (access_log) access_log->flush();
  // Spans still queued are sent by drain() only: a stop without one (a
  // second signal, a failed start) does not wait for the collector.
}

}  // namespace hookd::server
