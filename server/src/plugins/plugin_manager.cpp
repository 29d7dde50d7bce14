#include "plugins/plugin_manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "calls/worker_share.hpp"
#include "hookd/host/plugin_services.hpp"
#include "observability/log_escape.hpp"
#include "observability/log_trace.hpp"
#include "plugins/catalog_routes.hpp"
#include "plugins/plugin_signature.hpp"

namespace hookd::server {

namespace {

constexpr auto kPrepareTimeout = std::chrono::seconds(30);

// A route table's problems (one per line) as one error message.
std::string one_line(std::string text) {
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at))
    text.replace(at, 1, "; ");
  return text;
}

spdlog::level::level_enum to_spdlog(engine::LogLevel l) {
  switch (l) {
    case engine::LogLevel::kTrace:
      return spdlog::level::trace;
    case engine::LogLevel::kDebug:
      return spdlog::level::debug;
    case engine::LogLevel::kInfo:
      return spdlog::level::info;
    case engine::LogLevel::kWarn:
      return spdlog::level::warn;
    case engine::LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// Caps what a plugin may log: a most-verbose level and a per-second budget
// shared by all workers, so a chatty plugin cannot flood the log. The lines
// its host calls cause (a refused grant, a failed fetch) take from the same
// budget; lines past it are counted in hookd_plugin_log_dropped_total.
struct PluginLogGate {
  std::string plugin;
  int min_level;
  uint32_t per_second;
  std::atomic<uint64_t>* dropped_total = nullptr;  // the metric; owned by Metrics
  std::atomic<int64_t> window{0};
  std::atomic<uint32_t> used{0};
  std::atomic<uint64_t> dropped{0};

  bool admit(int level) { return level >= min_level && admit_any(); }

  // The rate alone: a host call's line is about the plugin, not written by
  // it, so the plugin's log level does not hide it.
  bool admit_any() {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    int64_t w = window.load(std::memory_order_relaxed);
    if (w != now && window.compare_exchange_strong(w, now)) {
      const uint64_t d = dropped.exchange(0);
      used.store(0);
      if (d > 0) spdlog::warn("[plugin {}] log rate limit dropped {} lines", plugin, d);
    }
    if (used.fetch_add(1, std::memory_order_relaxed) < per_second) return true;
    dropped.fetch_add(1, std::memory_order_relaxed);
    if (dropped_total != nullptr) dropped_total->fetch_add(1, std::memory_order_relaxed);
    return false;
  }
};

// Writes a line a plugin caused: escaped in the text format, so no message
// can forge a log line (the JSON format escapes every message itself).
void write_plugin_line(engine::LogLevel level, std::string_view plugin, const engine::CallContext& ctx,
                       std::string_view message, bool escape) {
  const std::string_view request_id = ctx.request_id;
  thread_local std::string escaped;
  if (escape) {
    escaped.clear();
    append_log_text(message, escaped);
    message = escaped;
  }
  if (request_id.empty()) {
    spdlog::log(to_spdlog(level), "[plugin {}] {}", plugin, message);
  } else {
    const TracePrefix trace(ctx.trace);
    spdlog::log(to_spdlog(level), "[plugin {}] [{}] {}{}", plugin, request_id, trace.text(), message);
  }
}

engine::Format to_engine(config::PayloadFormat f) {
  switch (f) {
    case config::PayloadFormat::bytes:
      return engine::Format::kBytes;
    case config::PayloadFormat::msgpack:
      return engine::Format::kMsgpack;
    case config::PayloadFormat::json:
      return engine::Format::kJson;
    case config::PayloadFormat::text:
      return engine::Format::kText;
  }
  return engine::Format::kBytes;
}

std::string route_text(const config::RouteConfig& r) {
  std::string methods;
  for (const auto& m : r.methods) methods += (methods.empty() ? "" : ",") + m;
  return (methods.empty() ? std::string("*") : methods) + " " + (r.host.empty() ? "" : r.host) + r.path +
         " -> " + r.function;
}

// Why `canary` cannot serve beside `stable`: the stable version's routes
// serve both, so they must be the same; and every function of the stable
// version must be there. Empty when it can.
std::string canary_mismatch(const PluginEntry& stable, const PluginEntry& canary) {
  std::string only_stable, only_canary, missing;
  const auto& a = stable.settings.routes;
  const auto& b = canary.settings.routes;
  for (const auto& r : a) {
    if (std::find(b.begin(), b.end(), r) == b.end())
      only_stable += (only_stable.empty() ? "" : "; ") + route_text(r);
  }
  for (const auto& r : b) {
    if (std::find(a.begin(), a.end(), r) == a.end())
      only_canary += (only_canary.empty() ? "" : "; ") + route_text(r);
  }
  for (const auto& f : stable.module->functions()) {
    if (canary.module->find_function(f.name) == nullptr) missing += (missing.empty() ? "" : ", ") + f.name;
  }
  std::string why;
  if (!only_stable.empty() || !only_canary.empty()) {
    why = "its routes differ (only the stable version has: " + (only_stable.empty() ? "none" : only_stable) +
          "; only the canary has: " + (only_canary.empty() ? "none" : only_canary) + ")";
  }
  if (!missing.empty()) why += (why.empty() ? "" : "; ") + std::string("it lacks functions ") + missing;
  return why;
}

}  // namespace

bool valid_plugin_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

const config::PluginConfig* config_plugin(const std::vector<config::PluginConfig>& plugins,
                                          std::string_view name) {
  for (const auto& p : plugins) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

PluginManager::PluginManager(engine::Vm& vm, Services services, std::vector<IoWorker*> workers)
    : vm_(vm), services_(std::move(services)), workers_(std::move(workers)) {}

PluginManager::~PluginManager() { stop(); }

void PluginManager::start() {
  if (loader_.joinable()) return;
  loader_ = std::thread([this] { run_loader(); });
}

void PluginManager::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !loader_.joinable()) return;
    stopping_ = true;
    stop_now_.store(true);
    if (probe_) probe_->terminate();  // a start function or hookd_init in progress
  }
  cv_.notify_all();
  if (loader_.joinable()) loader_.join();
}

void PluginManager::run_loader() {
  {
    std::lock_guard lock(mu_);
    probe_ = vm_.create_worker();  // the isolate belongs to this thread
  }
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) break;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();  // fails fast once stopping
    std::lock_guard lock(mu_);
    // A plugin that exhausted the probe's engine heap leaves it unusable.
    if (probe_->exhausted()) probe_ = vm_.create_worker();
  }
  std::lock_guard lock(mu_);
  probe_.reset();
}

void PluginManager::install_async(std::string name, std::span<const uint8_t> wasm,
                                  config::PluginSettings settings, Persist persist, InstallDone done) {
  std::unique_lock lock(mu_);
  if (stopping_ || !loader_.joinable()) {
    const bool stopping = stopping_;
    lock.unlock();
    done(engine::fail(engine::ErrorKind::kInternal,
                      stopping ? "the gateway is shutting down" : "the plugin loader is not running"));
    return;
  }
  jobs_.push_back([this, name = std::move(name), wasm, settings = std::move(settings),
                   persist = std::move(persist), done = std::move(done)]() mutable {
    if (stop_now_.load())
      return done(engine::fail(engine::ErrorKind::kInternal, "the gateway is shutting down"));
    done(load(name, wasm, std::move(settings), persist));
  });
  lock.unlock();
  cv_.notify_one();
}

engine::Result<PluginManager::Installed> PluginManager::install(const std::string& name,
                                                                std::span<const uint8_t> wasm,
                                                                config::PluginSettings settings,
                                                                Persist persist) {
  auto result = std::make_shared<std::promise<engine::Result<Installed>>>();
  auto future = result->get_future();
  install_async(name, wasm, std::move(settings), std::move(persist),
                [result](engine::Result<Installed> r) { result->set_value(std::move(r)); });
  return future.get();
}

engine::PluginOptions PluginManager::options_for(const std::string& name,
                                                 const config::PluginSettings& settings,
                                                 const config::PluginLimits& limits) const {
  engine::PluginOptions o;
  o.name = name;
  o.expected_sha256 = settings.sha256;
  o.limits.max_memory_pages = limits.max_memory_pages;
  o.limits.deadline = limits.deadline;
  // Transcoding JSON to msgpack never grows the input much; allow headroom.
  o.limits.max_input_bytes =
      static_cast<uint32_t>(std::min<uint64_t>(services_.config.limits.max_body_bytes * 2, 1u << 30));
  o.limits.module.max_module_bytes = services_.config.limits.max_module_bytes;
  o.random = services_.entropy;  // the gateway's one entropy source, injected in tests
  auto gate = std::make_shared<PluginLogGate>();
  gate->plugin = name;
  gate->min_level = static_cast<int>(settings.grants.log_level);  // config::LogLevel trace..error = 0..4
  gate->per_second = settings.grants.log_rate_per_sec;
  gate->dropped_total = &services_.metrics.plugin_log_dropped(name);
  const bool escape = services_.config.log.format != config::LogFormat::json;
  EventLog* events = &services_.events;
  o.logger = [gate, escape, events](engine::LogLevel level, std::string_view plugin,
                                    const engine::CallContext& ctx, std::string_view message) {
    if (!gate->admit(static_cast<int>(level))) return;
    // The dashboard's copy (GET /admin/logs): JSON escapes it, the page shows it as text.
    events->add({.level = static_cast<EventLevel>(level),
                 .kind = "log",
                 .plugin = std::string(plugin),
                 .request_id = std::string(ctx.request_id),
                 .message = std::string(message.substr(0, EventLog::kMaxMessageBytes + 4))});
    write_plugin_line(level, plugin, ctx, message, escape);
  };
  const PluginHostServices::Lent lent = services_.host.for_plugin(name);
  host::HostServices services{lent.kv, lent.fetcher};
  services.log = [gate, escape](engine::LogLevel level, std::string_view plugin,
                                const engine::CallContext& ctx, std::string_view message) {
    if (gate->admit_any()) write_plugin_line(level, plugin, ctx, message, escape);
  };
  o.host_functions = host::builtin_host_functions(name, settings, std::move(services));
  for (const auto& f : settings.functions) o.declared_functions.push_back(engine::FunctionInfo{f.name});
  // One format both ways: the engine puts it on the plugin's FunctionInfo,
  // so plugin_call.cpp transcodes as for a native function.
  for (const auto& [fn, format] : settings.formats) {
    o.function_formats.push_back(engine::FunctionInfo{fn, 0, to_engine(format), to_engine(format)});
  }
  return o;
}

engine::Result<std::shared_ptr<PluginEntry>> PluginManager::prepare_entry(const std::string& name,
                                                                          std::span<const uint8_t> wasm,
                                                                          config::PluginSettings settings,
                                                                          bool persisted) {
  if (!valid_plugin_name(name)) {
    return engine::fail(engine::ErrorKind::kInvalidArgument, "invalid plugin name \"" + name.substr(0, 80) +
                                                                 "\" (1-64 characters of A-Z a-z 0-9 _ -)");
  }
  auto signed_by = check_signature(services_.config.signing, name, wasm, settings);
  if (!signed_by) return std::unexpected(signed_by.error());
  config::PluginConfig as_config{name, {}, settings};
  const config::PluginLimits limits = services_.config.limits_for(as_config);
  const auto compile_began = std::chrono::steady_clock::now();
  auto module = engine::PluginModule::load(vm_, *probe_, wasm, options_for(name, settings, limits));
  if (!module) return std::unexpected(module.error());
  services_.metrics.observe_plugin_compile(name, std::chrono::steady_clock::now() - compile_began);

  auto entry = std::make_shared<PluginEntry>();
  entry->name = name;
  entry->module = std::move(*module);
  entry->settings = std::move(settings);
  entry->limits = limits;
  entry->loaded_at = services_.clock.now();
  entry->version = services_.registry.next_version();
  entry->persisted = persisted;
  entry->blocking = !entry->settings.grants.fetch.empty() ||
                    (entry->settings.grants.kv && services_.config.kv.backend == config::KvBackend::redis);
  const size_t io_workers = config::effective_workers(services_.config.server);
  if (!entry->blocking) entry->worker_cap = worker_cap(limits.max_worker_share, io_workers);
  entry->count_concurrency = limits.max_concurrency < workers_.size() || entry->worker_cap < io_workers;
  entry->counters = services_.registry.counters_for(name);
  entry->signed_by = std::move(*signed_by);

  // Instantiate everywhere before anyone can see it.
  std::vector<std::future<engine::Result<std::chrono::nanoseconds>>> pending;
  for (IoWorker* w : workers_) {
    if (w->hosts(*entry)) pending.push_back(w->prepare(entry));
  }
  // Each worker instantiates under the plugin's deadline; the wait covers a
  // worker busy with its own requests first, and ends early on stop().
  std::optional<engine::Error> failure;
  const auto give_up = std::chrono::steady_clock::now() + kPrepareTimeout;
  for (size_t i = 0; i < pending.size(); ++i) {
    while (pending[i].wait_for(std::chrono::milliseconds(50)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < give_up && !stop_now_.load()) {
    }
    if (pending[i].wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (!failure) {
        failure =
            engine::Error{engine::ErrorKind::kInternal,
                          stop_now_.load() ? "the gateway is shutting down"
                                           : "worker " + std::to_string(i) + " did not respond in time"};
      }
      continue;
    }
    auto r = pending[i].get();
    if (r) {
      services_.metrics.observe_plugin_instantiate(name, *r);
    } else if (!failure) {
      failure = r.error();
    }
  }
  if (failure) {
    discard(*entry);
    return std::unexpected(*failure);
  }
  return entry;
}

void PluginManager::discard(const PluginEntry& entry) {
  for (IoWorker* w : workers_) w->discard(entry.version);
}

engine::Result<PluginManager::Installed> PluginManager::load(const std::string& name,
                                                             std::span<const uint8_t> wasm,
                                                             config::PluginSettings settings,
                                                             const Persist& persist) {
  auto prepared = prepare_entry(name, wasm, std::move(settings), persist.mode != Persist::kNo);
  if (!prepared) return std::unexpected(prepared.error());
  std::shared_ptr<PluginEntry> entry = std::move(*prepared);
  if (persist.mode == Persist::kStage) return stage(name, wasm, std::move(entry), persist);
  // Persist and publish as one step against concurrent removals.
  auto lock = services_.registry.lock_writes();
  auto current = services_.registry.snapshot();
  auto next = std::make_shared<Catalog>(*current);
  const bool replaced = next->plugins.contains(name);
  next->plugins[name] = entry;
  // A new stable version (an upload, a rollback, a promotion) ends a
  // canary release of the plugin: the release notices (release_controller.hpp).
  if (auto canary = next->canaries.find(name); canary != next->canaries.end()) {
    canary->second.split->weight.store(0, std::memory_order_relaxed);
    next->canaries.erase(canary);
  }
  // Its routes (and the file's routes to it) change with it, or it is refused.
  auto routes = build_catalog_routes(services_.config, *next);
  if (!routes) {
    discard(*entry);
    return engine::fail(engine::ErrorKind::kInvalidArgument, "routes: " + one_line(routes.error()));
  }
  next->routes = std::move(*routes);
  if (auto kept = keep(name, wasm, *entry, persist); !kept) {
    discard(*entry);
    return std::unexpected(kept.error());
  }
  entry->revision = entry->counters->loads.fetch_add(1) + 1;  // no worker reads it
  services_.registry.publish(std::move(next));
  if (replaced) {
    services_.metrics.count_plugin_replace(name);
  } else {
    services_.metrics.count_plugin_load(name);
  }
  spdlog::info("plugin {} {} (sha256 {}, {} bytes, {} functions)", name, replaced ? "replaced" : "loaded",
               entry->module->sha256(), entry->module->size_bytes(), entry->module->functions().size());
  return Installed{std::move(entry), replaced};
}

void PluginManager::install_canary_async(std::string name, std::span<const uint8_t> wasm,
                                         config::PluginSettings settings, CanaryOf of, InstallDone done) {
  std::unique_lock lock(mu_);
  if (stopping_ || !loader_.joinable()) {
    lock.unlock();
    done(engine::fail(engine::ErrorKind::kInternal, "the plugin loader is not running"));
    return;
  }
  jobs_.push_back([this, name = std::move(name), wasm, settings = std::move(settings), of = std::move(of),
                   done = std::move(done)]() mutable {
    if (stop_now_.load())
      return done(engine::fail(engine::ErrorKind::kInternal, "the gateway is shutting down"));
    done(load_canary(name, wasm, std::move(settings), of));
  });
  lock.unlock();
  cv_.notify_one();
}

engine::Result<PluginManager::Installed> PluginManager::load_canary(const std::string& name,
                                                                    std::span<const uint8_t> wasm,
                                                                    config::PluginSettings settings,
                                                                    const CanaryOf& of) {
  auto prepared = prepare_entry(name, wasm, std::move(settings), true);
  if (!prepared) return std::unexpected(prepared.error());
  std::shared_ptr<PluginEntry> entry = std::move(*prepared);
  entry->upload_version = of.version;
  // Counters of its own (no worker has seen the entry yet): a slow canary's
  // calls in flight must not take the stable version's worker share or
  // concurrency, nor its failures show as the stable version's.
  entry->counters = std::make_shared<PluginCounters>();
  auto lock = services_.registry.lock_writes();
  auto current = services_.registry.snapshot();
  const PluginEntry* stable = current->find(name);
  // The stable version changed while the canary loaded: the release's
  // comparison would be with another version.
  if (stable == nullptr || stable->upload_version != of.stable_version) {
    discard(*entry);
    engine::Error e{engine::ErrorKind::kInvalidArgument,
                    "plugin " + name + "'s stable version changed while its canary loaded"};
    e.status = 409;
    return std::unexpected(e);
  }
  if (auto differ = canary_mismatch(*stable, *entry); !differ.empty()) {
    discard(*entry);
    engine::Error e{engine::ErrorKind::kInvalidArgument,
                    "version " + std::to_string(of.version) + " cannot be a canary of version " +
                        std::to_string(of.stable_version) + ": " + differ};
    e.status = 409;
    return std::unexpected(e);
  }
  if (current->canaries.contains(name)) {
    discard(*entry);
    engine::Error e{engine::ErrorKind::kInvalidArgument, "plugin " + name + " already has a canary"};
    e.status = 409;
    return std::unexpected(e);
  }
  auto next = std::make_shared<Catalog>(*current);
  next->canaries[name] = CanaryVersion{entry, of.split};
  entry->revision = entry->counters->loads.fetch_add(1) + 1;
  services_.registry.publish(std::move(next));
  spdlog::info("plugin {}: version {} loaded as the canary of version {} (sha256 {})", name, of.version,
               of.stable_version, entry->module->sha256());
  return Installed{std::move(entry), false};
}

bool PluginManager::drop_canary(const std::string& name, const TrafficSplit* split) {
  auto lock = services_.registry.lock_writes();
  auto current = services_.registry.snapshot();
  auto it = current->canaries.find(name);
  if (it == current->canaries.end() || it->second.split.get() != split) return false;
  it->second.split->weight.store(0, std::memory_order_relaxed);
  auto next = std::make_shared<Catalog>(*current);
  next->canaries.erase(name);
  services_.registry.publish(std::move(next));
  return true;
}

engine::Result<PluginManager::Installed> PluginManager::stage(const std::string& name,
                                                              std::span<const uint8_t> wasm,
                                                              std::shared_ptr<PluginEntry> entry,
                                                              const Persist& persist) {
  // Checked and instantiated everywhere: it would serve. It does not now.
  discard(*entry);
  auto lock = services_.registry.lock_writes();
  const auto current = services_.registry.snapshot();
  const PluginEntry* stable = current->find(name);
  if (stable == nullptr || stable->upload_version == 0) {
    return engine::fail(
        engine::ErrorKind::kInvalidArgument,
        "plugin " + name + " serves no uploaded version to stage a version beside; upload it first", 409);
  }
  if (persist.catalog == nullptr)
    return engine::fail(engine::ErrorKind::kInternal, "a stage with nowhere to keep it");
  const VersionInfo info{
      .sha256 = entry->module->sha256(),
      .size = wasm.size(),
      .created_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(entry->loaded_at.time_since_epoch()).count(),
      .created_by = persist.created_by,
      .abi = std::string(engine::abi_name(entry->module->abi()))};
  auto number = persist.catalog->stage(name, wasm, entry->settings, info);
  if (!number) return std::unexpected(number.error());
  entry->upload_version = *number;
  spdlog::info("plugin {}: version {} staged beside version {} (sha256 {})", name, *number,
               stable->upload_version, entry->module->sha256());
  return Installed{
      .entry = std::move(entry), .replaced = false, .staged = true, .serving = stable->upload_version};
}

engine::Result<void> PluginManager::keep(const std::string& name, std::span<const uint8_t> wasm,
                                         PluginEntry& entry, const Persist& persist) {
  entry.upload_version = persist.version;
  if (persist.mode != Persist::kWrite && persist.mode != Persist::kRollback) return {};
  if (persist.catalog == nullptr)
    return engine::fail(engine::ErrorKind::kInternal, "an upload with nowhere to keep it");
  if (persist.mode == Persist::kRollback)
    return persist.catalog->serve(name, persist.version, wasm, entry.settings);
  const VersionInfo info{
      .sha256 = entry.module->sha256(),
      .size = wasm.size(),
      .created_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(entry.loaded_at.time_since_epoch()).count(),
      .created_by = persist.created_by,
      .abi = std::string(engine::abi_name(entry.module->abi()))};
  auto number = persist.catalog->save(name, wasm, entry.settings, info);
  if (!number) return std::unexpected(number.error());
  entry.upload_version = *number;
  return {};
}

engine::Result<bool> PluginManager::remove(const std::string& name, PluginCatalog* kept_in) {
  auto lock = services_.registry.lock_writes();
  auto current = services_.registry.snapshot();
  auto it = current->plugins.find(name);
  if (it == current->plugins.end()) return false;
  const bool persisted = it->second->persisted;
  auto next = std::make_shared<Catalog>(*current);
  next->plugins.erase(name);
  if (auto canary = next->canaries.find(name); canary != next->canaries.end()) {
    canary->second.split->weight.store(0, std::memory_order_relaxed);
    next->canaries.erase(canary);
  }
  // Fewer routes never conflict; the file's routes to it become inactive.
  auto routes = build_catalog_routes(services_.config, *next);
  if (!routes) return engine::fail(engine::ErrorKind::kInternal, "routes: " + one_line(routes.error()));
  next->routes = std::move(*routes);
  for (const auto& route : services_.config.routes) {
    if (route.plugin == name) {
      spdlog::warn(
          "plugin {} removed: the config file's route {} {} to it is inactive until it is loaded again", name,
          route.path, route.function);
    }
  }
  // Persist the removal before acknowledging it, so a restart agrees.
  if (persisted && kept_in != nullptr) {
    if (auto r = kept_in->forget(name); !r) return std::unexpected(r.error());
  }
  services_.registry.publish(std::move(next));
  services_.metrics.count_plugin_unload(name);
  spdlog::info("plugin {} removed", name);
  return true;
}

std::vector<uint64_t> PluginManager::memory_per_worker(const std::string& name) {
  std::vector<std::future<uint64_t>> pending;
  for (IoWorker* w : workers_) {
    if (w->blocking_lane()) continue;  // reported per I/O worker
    auto p = std::make_shared<std::promise<uint64_t>>();
    pending.push_back(p->get_future());
    w->post([w, p, name] {
      BoundPlugin* bp = w->resolve(name);
      p->set_value(bp && bp->instance ? bp->instance->memory_size() : 0);
    });
  }
  std::vector<uint64_t> out;
  out.reserve(pending.size());
  for (auto& f : pending) {
    out.push_back(f.wait_for(std::chrono::seconds(2)) == std::future_status::ready ? f.get() : 0);
  }
  return out;
}

}  // namespace hookd::server
