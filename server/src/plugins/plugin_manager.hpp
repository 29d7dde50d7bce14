// Loads, replaces and removes plugins: validate and compile once, instantiate
// on every worker, persist (for uploads), then publish atomically. A failure
// at any step leaves the previous version serving.
//
// Loads run on the manager's own loader thread, which owns the probe engine
// worker, one at a time: never on the admin I/O thread, so a plugin whose
// start function or hookd_init takes its whole deadline delays only other
// loads, and stop() can cut a load short.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "calls/io_worker.hpp"
#include "hookd/config/config.hpp"
#include "hookd/engine/vm.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"
#include "hookd/server/gateway_parts.hpp"
#include "observability/event_log.hpp"
#include "observability/metrics.hpp"
#include "observability/plugin_host_services.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

class PluginManager {
 public:
  // The host services plugins are granted (`kv`, `fetcher`: null for none)
  // and where their logs go (`events`, `metrics`); `config` for the limits
  // of each plugin, signing and the log format; `clock` stamps loads;
  // `entropy` feeds the plugins' random bytes;
  // `workers`: every thread that runs plugins.
  struct Services {
    const config::Config& config;
    PluginRegistry& registry;
    Metrics& metrics;
    EventLog& events;
    // The KV store and fetcher each plugin is lent, counted under its name.
    PluginHostServices& host;
    const Clock& clock;
    // Random bytes for every plugin (WASI random_get): the gateway's one
    // entropy source, so tests that inject one see it reach plugins.
    std::shared_ptr<RandomSource> entropy;
  };
  PluginManager(engine::Vm& vm, Services services, std::vector<IoWorker*> workers);
  ~PluginManager();  // stop()

  // Starts the loader thread (and its probe engine worker).
  void start();
  // Cuts a load in progress short (its guest code is terminated), fails the
  // queued ones, and joins the loader thread. Idempotent.
  void stop();

  struct Installed {
    std::shared_ptr<const PluginEntry> entry;
    bool replaced = false;
    // Persist::kStage: kept as a version that does not serve (entry's
    // upload_version); `serving` is the stable version's number.
    bool staged = false;
    uint64_t serving = 0;
  };
  // How a load is kept across restarts: not at all (the config file's, the
  // examples, a cluster node following the catalog), already (loaded from
  // where it is kept), kept now in `catalog` as a new version (an upload),
  // or a kept version of it serving again (a rollback: docs/releases.md),
  // or kept as a new version that does not serve (a staged upload, checked
  // as an upload is, instantiated on every worker, then discarded: a
  // release's canary to be).
  struct Persist {
    enum Mode { kNo, kWrite, kAlreadyStored, kRollback, kStage };
    // Implicit: most loads name only the mode (Persist::kNo).
    Persist(Mode m, PluginCatalog* c = nullptr) : mode(m), catalog(c) {}
    Mode mode;
    PluginCatalog* catalog;  // kWrite, kRollback and kStage
    uint64_t version = 0;    // kAlreadyStored and kRollback: which version it is
    std::string created_by;  // kWrite and kStage: who uploads it (VersionInfo::created_by)
  };
  using InstallDone = std::function<void(engine::Result<Installed>)>;
  // Queues a load. `wasm` must stay valid until `done` runs; `done` runs on
  // the loader thread (or on the caller's, when the manager is stopped).
  void install_async(std::string name, std::span<const uint8_t> wasm, config::PluginSettings settings,
                     Persist persist, InstallDone done);
  // install_async, waiting for the result (startup, tests).
  engine::Result<Installed> install(const std::string& name, std::span<const uint8_t> wasm,
                                    config::PluginSettings settings, Persist persist);
  // A canary release (docs/releases.md): `wasm` and `settings`, kept
  // version `version` of `name`, loaded (compiled, instantiated on every
  // worker) and published as the canary beside stable version
  // `stable_version`, taking `split`'s weight of the calls. Fails (status
  // 409) when another version became stable meanwhile. Nothing is written
  // to the catalog: a release is not kept across restarts.
  struct CanaryOf {
    uint64_t version = 0;
    uint64_t stable_version = 0;
    std::shared_ptr<TrafficSplit> split;
  };
  void install_canary_async(std::string name, std::span<const uint8_t> wasm, config::PluginSettings settings,
                            CanaryOf of, InstallDone done);
  // Any thread: publishes the catalog without `name`'s canary, if it is the
  // one that `split` splits to (its weight is set to 0 first, which takes
  // its traffic away before the workers refresh); false when it is not.
  bool drop_canary(const std::string& name, const TrafficSplit* split);
  // false when there was no such plugin. A plugin kept as an upload is
  // forgotten in `kept_in` (when given) before the removal is published.
  engine::Result<bool> remove(const std::string& name, PluginCatalog* kept_in = nullptr);

  // Every thread that runs plugins: the I/O workers, then the lane's.
  [[nodiscard]] const std::vector<IoWorker*>& workers() const { return workers_; }
  // Any thread: memory of each worker's instance of `name` (bounded wait).
  std::vector<uint64_t> memory_per_worker(const std::string& name);

 private:
  engine::PluginOptions options_for(const std::string& name, const config::PluginSettings& settings,
                                    const config::PluginLimits& limits) const;
  // Loader thread only.
  void run_loader();
  engine::Result<Installed> load(const std::string& name, std::span<const uint8_t> wasm,
                                 config::PluginSettings settings, const Persist& persist);
  engine::Result<Installed> stage(const std::string& name, std::span<const uint8_t> wasm,
                                  std::shared_ptr<PluginEntry> entry, const Persist& persist);
  engine::Result<Installed> load_canary(const std::string& name, std::span<const uint8_t> wasm,
                                        config::PluginSettings settings, const CanaryOf& of);
  // Compiles `wasm` and instantiates it on every worker that hosts it,
  // ready to publish (or to discard()).
  engine::Result<std::shared_ptr<PluginEntry>> prepare_entry(const std::string& name,
                                                             std::span<const uint8_t> wasm,
                                                             config::PluginSettings settings, bool persisted);
  void discard(const PluginEntry& entry);
  // With the registry's writes held, before publishing `entry`: keeps it
  // in the catalog as `persist` says, and records its version number.
  engine::Result<void> keep(const std::string& name, std::span<const uint8_t> wasm, PluginEntry& entry,
                            const Persist& persist);

  engine::Vm& vm_;
  Services services_;
  std::vector<IoWorker*> workers_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;                  // under mu_
  std::atomic<bool> stop_now_{false};      // read by a load waiting on workers
  std::unique_ptr<engine::Worker> probe_;  // created and used on the loader thread
  std::thread loader_;
};

bool valid_plugin_name(std::string_view name);

// The config file's plugin named `name`, or null. Config file plugins are
// pinned: an upload of that name is refused (409), so what the config file
// says is what serves, across restarts too. Changing one means editing the
// config file and restarting.
const config::PluginConfig* config_plugin(const std::vector<config::PluginConfig>& plugins,
                                          std::string_view name);
inline const config::PluginConfig* config_plugin(const config::Config& cfg, std::string_view name) {
  return config_plugin(cfg.plugins, name);
}

}  // namespace hookd::server
