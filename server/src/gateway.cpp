#include "hookd/server/gateway.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "admin_api.hpp"
#include "admin_session.hpp"
#include "blocking_pool.hpp"
#include "data_dir.hpp"
#include "fd_limit.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/lmdb_kv_store.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/redis_kv_store.hpp"
#include "http_session.hpp"
#include "io_worker.hpp"
#include "listener.hpp"
#include "plugin_manager.hpp"
#include "plugin_store.hpp"
#include "server_context.hpp"

namespace hookd::server {

namespace asio = boost::asio;
namespace fs = std::filesystem;

struct Gateway::Impl {
  ServerContext server;
  std::unique_ptr<engine::Vm> vm;
  std::vector<std::unique_ptr<IoWorker>> workers;
  std::unique_ptr<BlockingPool> blocking;
  std::vector<std::unique_ptr<RequestIdGenerator>> ids;  // one per worker
  std::unique_ptr<PluginStore> store;
  std::unique_ptr<PluginManager> manager;
  std::unique_ptr<AdminApi> admin_api;
  RequestIdGenerator admin_ids;
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

  engine::Result<void> load_initial_plugins(const fs::path& example_dir);
  engine::Result<void> setup_token();
  engine::Result<void> open_kv();
  void shutdown();
};

namespace {

asio::ip::tcp::endpoint endpoint_of(const config::HostPort& hp) {
  return {asio::ip::make_address(hp.host), hp.port};
}

std::string random_token() {
  uint8_t raw[32];
  if (getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

engine::Result<void> Gateway::Impl::setup_token() {
  token = server.config.server.admin_token;
  if (!token.empty()) return {};
  token = random_token();
  if (token.empty()) return engine::fail(engine::ErrorKind::kInternal, "cannot generate an admin token");
  token_file = server.config.server.data_dir / "admin.token";
  if (auto r = write_file_durably(token_file, {reinterpret_cast<const uint8_t*>(token.data()), token.size()}, 0600); !r) {
    return r;
  }
  fs::permissions(token_file, fs::perms::owner_read | fs::perms::owner_write);
  spdlog::info("admin token generated and written to {} (mode 0600)", token_file.string());
  return {};
}

engine::Result<void> Gateway::Impl::open_kv() {
  const config::KvConfig& kv = server.config.kv;
  host::KvLimits limits;
  limits.max_namespace_bytes = kv.namespace_max_bytes;
  limits.max_namespace_keys = kv.namespace_max_keys;
  switch (kv.backend) {
    case config::KvBackend::memory:
      server.kv = std::make_unique<host::MemoryKvStore>(limits);
      return {};
    case config::KvBackend::lmdb: {
      host::LmdbKvOptions o;
      o.dir = server.config.server.data_dir / "kv";
      o.map_size_bytes = static_cast<size_t>(kv.map_size_mb) << 20;
      o.read_cache_bytes = static_cast<size_t>(kv.read_cache_kb) << 10;
      o.limits = limits;
      auto store = host::LmdbKvStore::open(std::move(o));
      if (!store) return engine::fail(engine::ErrorKind::kInternal, "cannot open the KV store: " + store.error().message);
      server.kv = std::move(*store);
      return {};
    }
    case config::KvBackend::redis: {
      host::RedisKvOptions o;
      o.host = kv.redis.address.host;
      o.port = kv.redis.address.port;
      o.password = kv.redis.password;
      o.database = static_cast<int>(kv.redis.database);
      o.connect_timeout = kv.redis.connect_timeout;
      o.command_timeout = kv.redis.command_timeout;
      o.pool_size = kv.redis.pool_size;
      o.limits = limits;
      server.kv = std::make_unique<host::RedisKvStore>(std::move(o));
      return {};
    }
  }
  return {};
}

engine::Result<void> Gateway::Impl::load_initial_plugins(const fs::path& example_dir) {
  const config::Config& cfg = server.config;
  for (const auto& p : cfg.plugins) {
    auto bytes = read_file(p.path);
    if (!bytes) return engine::fail(engine::ErrorKind::kInvalidArgument, "plugin " + p.name + ": " + bytes.error().message);
    auto r = manager->install(p.name, *bytes, p.settings, PluginManager::Persist::kNo);
    if (!r) {
      return engine::fail(r.error().kind, "plugin " + p.name + " (" + p.path.string() + "): " + r.error().describe());
    }
  }
  std::vector<std::string> problems;
  auto stored = store->load_all(problems);
  for (const auto& problem : problems) spdlog::error("stored plugin skipped: {}", problem);
  for (auto& s : stored) {
    // An upload is newer than the config file's entry of the same name.
    auto r = manager->install(s.name, s.wasm, s.settings, PluginManager::Persist::kAlreadyStored);
    if (!r) spdlog::error("stored plugin {} not loaded: {}", s.name, r.error().describe());
  }
  if (cfg.plugins.empty() && stored.empty() && cfg.server.load_example_plugins) {
    for (const char* name : {"echo", "vowels", "greet", "misc", "hostcall", "counter", "greeter"}) {
      const fs::path path = example_dir / (std::string(name) + ".wasm");
      auto bytes = read_file(path);
      if (!bytes) {
        spdlog::warn("example plugin {} not found at {}", name, path.string());
        continue;
      }
      // The examples that show host services get the grants they need.
      config::PluginSettings settings;
      if (std::string_view(name) == "counter")
        settings.grants.kv = config::KvGrant{"counter", config::KvMode::read_write};
      if (std::string_view(name) == "greeter") {
        settings.config["greeting"] = "Hello from hookd";
        settings.grants.config = true;
      }
      auto r = manager->install(name, *bytes, settings, PluginManager::Persist::kNo);
      if (!r) spdlog::error("example plugin {}: {}", name, r.error().describe());
    }
  }
  return {};
}

engine::Result<std::unique_ptr<Gateway>> Gateway::start(GatewayOptions options) {
  auto impl = std::make_unique<Impl>();
  Impl& g = *impl;
  g.server.config = std::move(options.config);
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
        "hookd_access_log_dropped_total", "Access log lines dropped because the output stalled.",
        [log = g.server.access_log.get()] { return log->dropped(); });
  }
  if (auto r = ensure_private_dir(cfg.server.data_dir); !r) return std::unexpected(r.error());
  if (auto r = g.open_kv(); !r) return std::unexpected(r.error());
  try {
    host::FetchOptions fo;
    fo.connect_timeout = cfg.fetch.connect_timeout;
    fo.total_timeout = cfg.fetch.total_timeout;
    fo.max_response_bytes = cfg.fetch.max_response_bytes;
    fo.max_redirects = cfg.fetch.max_redirects;
    fo.extra_ca_file = cfg.fetch.extra_ca_file.string();
    g.server.fetcher = host::make_http_fetcher(std::move(fo));
  } catch (const std::exception& e) {
    return engine::fail(engine::ErrorKind::kInvalidArgument, std::string("fetch: ") + e.what());
  }
  engine::VmOptions vm_options;
  vm_options.heap_limit_mb = static_cast<size_t>(cfg.limits.isolate_heap_mb);
  g.vm = engine::create_v8_vm(vm_options);
  g.store = std::make_unique<PluginStore>(cfg.server.data_dir / "plugins");

  std::vector<IoWorker*> raw;
  for (unsigned i = 0; i < n; ++i) {
    g.workers.push_back(std::make_unique<IoWorker>(i, *g.vm, g.server.registry));
    g.ids.push_back(std::make_unique<RequestIdGenerator>());
    raw.push_back(g.workers.back().get());
  }
  for (auto& w : g.workers) {
    w->set_metrics(&g.server.metrics->shard(w->index()));
    w->start();
  }
  // The blocking lane: threads for plugins that wait on the network.
  g.blocking = std::make_unique<BlockingPool>(cfg.limits.blocking_threads, cfg.limits.queue_depth, *g.vm,
                                              g.server.registry);
  g.blocking->start();
  g.server.blocking = g.blocking.get();
  for (IoWorker* w : g.blocking->workers()) raw.push_back(w);
  g.manager = std::make_unique<PluginManager>(*g.vm, g.server, raw, *g.store);
  g.admin_thread = std::thread([&g] {
    auto guard = asio::make_work_guard(g.admin_io);
    g.admin_io.run();
  });
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(impl)));

  if (auto r = g.setup_token(); !r) return std::unexpected(r.error());
  g.manager->start();
  if (auto r = g.on_admin_thread([&] { return g.load_initial_plugins(options.example_plugin_dir); }); !r) {
    return std::unexpected(r.error());
  }
  g.admin_api = std::make_unique<AdminApi>(g.server, *g.manager, g.token);

  // Public listeners: one per worker on the same port.
  asio::ip::tcp::endpoint ep;
  try {
    ep = endpoint_of(cfg.server.listen);
  } catch (const std::exception& e) {
    return engine::fail(engine::ErrorKind::kInvalidArgument, "bad listen address: " + std::string(e.what()));
  }
  for (size_t i = 0; i < g.workers.size(); ++i) {
    IoWorker& w = *g.workers[i];
    RequestIdGenerator& ids = *g.ids[i];
    ServerContext& server = g.server;
    auto listener = TcpListener::open(w.io(), ep, true, [&server, &w, &ids](TcpSocket s) {
      const int64_t current = server.connections.fetch_add(1, std::memory_order_relaxed);
      server.metrics->count_connection("public");
      if (current >= static_cast<int64_t>(server.config.limits.max_connections) || server.draining.load()) {
        server.connections.fetch_sub(1, std::memory_order_relaxed);
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
    return engine::fail(engine::ErrorKind::kInvalidArgument, "bad admin listen address: " + std::string(e.what()));
  }
  auto admin = TcpListener::open(g.admin_io, admin_ep, false, [&g](TcpSocket s) {
    ServerContext& server = g.server;
    server.metrics->count_connection("admin");
    const int64_t current = server.admin_connections.fetch_add(1, std::memory_order_relaxed);
    if (current >= static_cast<int64_t>(server.config.limits.admin_max_connections)) {
      server.admin_connections.fetch_sub(1, std::memory_order_relaxed);
      server.metrics->count_rejected_connection("admin");
      return refuse_connection(s);
    }
    std::make_shared<AdminSession>(std::move(s), *g.admin_api, server, g.admin_ids)->start();
  });
  if (!admin) return std::unexpected(admin.error());
  g.admin_listener = *admin;
  for (auto& l : g.listeners) l->start();
  g.admin_listener->start();
  g.server.ready.store(true);
  spdlog::info("hookd serving on {}:{} with {} workers; admin on {}:{}", ep.address().to_string(), ep.port(), n,
               admin_ep.address().to_string(), g.admin_listener->port());
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
  g.server.draining.store(true);
  for (auto& l : g.listeners) l->stop();
  for (auto& w : g.workers) {
    IoWorker* worker = w.get();
    worker->post([worker] {
      // Copy: draining a session may remove it from the set.
      std::vector<Session*> sessions(worker->sessions().begin(), worker->sessions().end());
      for (Session* s : sessions) s->drain();
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + g.server.config.server.drain_timeout;
  while (g.server.connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool drained = g.server.connections.load() == 0;
  if (!drained) spdlog::warn("drain timeout: {} connections still open", g.server.connections.load());
  return drained;
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
  for (auto& w : workers) w->stop();
  if (blocking) blocking->stop();
  listeners.clear();
  admin_listener.reset();
  workers.clear();
  if (server.access_log) server.access_log->flush();
}

}  // namespace hookd::server
