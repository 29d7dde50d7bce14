#include "hookd/server/composition.hpp"

#include <spdlog/spdlog.h>

#include "hookd/engine/read_file.hpp"
#include "hookd/host/lmdb_kv_store.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/redis_kv_store.hpp"
#include "net/fd_limit.hpp"
#include "net/listener.hpp"
#include "plugins/data_dir.hpp"

namespace hookd::server {
namespace {

namespace fs = std::filesystem;

ServerResult<std::unique_ptr<host::KvStore>> open_kv(const config::Config& cfg) {
  const config::KvConfig& kv = cfg.kv;
  host::KvLimits limits;
  limits.max_namespace_bytes = kv.namespace_max_bytes;
  limits.max_namespace_keys = kv.namespace_max_keys;
  switch (kv.backend) {
    case config::KvBackend::memory:
      return std::make_unique<host::MemoryKvStore>(limits);
    case config::KvBackend::lmdb: {
      host::LmdbKvOptions o;
      o.dir = cfg.server.data_dir / "kv";
      o.map_size_bytes = static_cast<size_t>(kv.map_size_mb) << 20;
      o.read_cache_bytes = static_cast<size_t>(kv.read_cache_kb) << 10;
      o.limits = limits;
      auto store = host::LmdbKvStore::open(std::move(o));
      if (!store)
        return server_fail(ServerErrorKind::kStorage, "cannot open the KV store: " + store.error().message);
      return std::move(*store);
    }
    case config::KvBackend::redis: {
      host::RedisKvOptions o = host::redis_options(kv.redis);
      o.limits = limits;
      return std::make_unique<host::RedisKvStore>(std::move(o));
    }
  }
  return server_fail(ServerErrorKind::kConfig, "unknown KV backend");
}

ServerResult<std::unique_ptr<host::HttpFetcher>> make_fetcher(const config::FetchConfig& fetch) {
  host::FetchOptions fo;
  fo.connect_timeout = fetch.connect_timeout;
  fo.total_timeout = fetch.total_timeout;
  fo.max_response_bytes = fetch.max_response_bytes;
  fo.max_redirects = fetch.max_redirects;
  fo.extra_ca_file = fetch.extra_ca_file.string();
  try {
    return host::make_http_fetcher(std::move(fo));
  } catch (const std::exception& e) {
    return server_fail(ServerErrorKind::kConfig, std::string("fetch: ") + e.what());
  }
}

config::RouteConfig example_route(std::string method, std::string path, std::string function) {
  config::RouteConfig route;
  route.methods = {std::move(method)};
  route.path = std::move(path);
  route.function = std::move(function);
  return route;
}

// The examples that show host services get the grants they need; the HTTP
// handlers (examples/handlers) their routes too.
config::PluginSettings example_settings(std::string_view name) {
  config::PluginSettings settings;
  if (name == "counter") settings.grants.kv = config::KvGrant{"counter", config::KvMode::read_write};
  if (name == "greeter") {
    settings.config["greeting"] = "Hello from hookd";
    settings.grants.config = true;
  }
  if (name == "webhook") {
    // A well-known secret: the example is for trying out, the README says so.
    settings.config["secret"] = "hookd-example-secret";
    settings.grants.config = true;
    settings.grants.crypto = true;
    settings.grants.kv = config::KvGrant{"webhook", config::KvMode::read_write};
    settings.routes = {example_route("POST", "/hooks/github", "github")};
  }
  if (name == "shortener") {
    settings.grants.kv = config::KvGrant{"shortener", config::KvMode::read_write};
    settings.routes = {example_route("POST", "/links", "create"),
                       example_route("GET", "/r/{code}", "follow")};
  }
  if (name == "hello") settings.routes = {example_route("GET", "/api/hello", "hello")};
  return settings;
}

ServerResult<PluginSource> plugin_files(const config::Config& cfg, const fs::path& example_dir) {
  PluginSource source;
  for (const auto& p : cfg.plugins) {
    auto bytes = engine::read_file(p.path);
    if (!bytes)
      return server_fail(ServerErrorKind::kPlugin, "plugin " + p.name + ": " + bytes.error().message);
    source.configured.push_back({p.name, std::move(*bytes), p.settings, p.path.string()});
  }
  if (!cfg.plugins.empty() || !cfg.server.load_example_plugins) return source;
  for (const char* name : {"echo", "vowels", "greet", "misc", "hostcall", "counter", "greeter", "webhook",
                           "shortener", "hello"}) {
    const fs::path path = example_dir / (std::string(name) + ".wasm");
    auto bytes = engine::read_file(path);
    if (!bytes) {
      spdlog::warn("example plugin {} not found at {}", name, path.string());
      continue;
    }
    source.fallback.push_back({name, std::move(*bytes), example_settings(name), path.string()});
  }
  return source;
}

}  // namespace

ServerResult<GatewayParts> real_parts(const config::Config& cfg, const fs::path& example_plugin_dir) {
  GatewayParts parts;
  // The LMDB store lives in the data directory.
  if (auto r = ensure_private_dir(cfg.server.data_dir); !r) return std::unexpected(r.error());
  auto kv = open_kv(cfg);
  if (!kv) return std::unexpected(kv.error());
  parts.kv = std::move(*kv);
  auto fetcher = make_fetcher(cfg.fetch);
  if (!fetcher) return std::unexpected(fetcher.error());
  parts.fetcher = std::move(*fetcher);
  auto plugins = plugin_files(cfg, example_plugin_dir);
  if (!plugins) return std::unexpected(plugins.error());
  parts.plugins = std::move(*plugins);
  engine::VmOptions vm_options;
  vm_options.heap_limit_mb = static_cast<size_t>(cfg.limits.isolate_heap_mb);
  vm_options.compile = cfg.engine.compile == config::EngineCompile::optimized
                           ? engine::CompileTier::kOptimized
                           : engine::CompileTier::kTiered;
  parts.vm = engine::create_v8_vm(vm_options);
  spdlog::info("engine: V8, plugins compiled {} (engine.compile)", engine::to_string(vm_options.compile));
  parts.clock = util::system_clock();
  parts.entropy = util::system_random();
  return parts;
}

ServerResult<std::unique_ptr<Gateway>> start_gateway(GatewayOptions options) {
  // First of all, before the data directory's stores are opened: a second
  // `hookd serve` on a busy address is told so, and not that the KV store
  // is in use when it shares the data directory too.
  for (const auto* hp : {&options.config.server.listen, &options.config.server.admin_listen}) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(hp->host, ec);
    if (ec) continue;  // Gateway::start reports it
    if (auto r = ensure_address_free({address, hp->port}); !r) return std::unexpected(r.error());
  }
  // A process setting: for limits.max_connections and the files each
  // connection and plugin holds (fd_limit.hpp).
  raise_fd_limit(options.config.limits);
  auto parts = real_parts(options.config, options.example_plugin_dir);
  if (!parts) return std::unexpected(parts.error());
  return Gateway::start(std::move(options.config), std::move(*parts));
}

}  // namespace hookd::server
