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
#include "hookd/engine/vm.hpp"
#include "plugins/plugin_store.hpp"
#include "server_context.hpp"

namespace hookd::server {

class PluginManager {
 public:
  PluginManager(engine::Vm& vm, ServerContext& server, std::vector<IoWorker*> workers, PluginStore& store);
  ~PluginManager();  // stop()

  // Starts the loader thread (and its probe engine worker).
  void start();
  // Cuts a load in progress short (its guest code is terminated), fails the
  // queued ones, and joins the loader thread. Idempotent.
  void stop();

  struct Installed {
    std::shared_ptr<const PluginEntry> entry;
    bool replaced = false;
  };
  enum class Persist { kNo, kWrite, kAlreadyStored };
  using InstallDone = std::function<void(engine::Result<Installed>)>;
  // Queues a load. `wasm` must stay valid until `done` runs; `done` runs on
  // the loader thread (or on the caller's, when the manager is stopped).
  void install_async(std::string name, std::span<const uint8_t> wasm, config::PluginSettings settings,
                     Persist persist, InstallDone done);
  // install_async, waiting for the result (startup, tests).
  engine::Result<Installed> install(const std::string& name, std::span<const uint8_t> wasm,
                                    config::PluginSettings settings, Persist persist);
  // false when there was no such plugin.
  engine::Result<bool> remove(const std::string& name);

  // Every thread that runs plugins: the I/O workers, then the lane's.
  [[nodiscard]] const std::vector<IoWorker*>& workers() const { return workers_; }
  // Cluster mode: where an upload (Persist::kWrite) is kept instead of the
  // data dir: the cluster catalog in Redis. Called on the loader thread after
  // every worker has instantiated the new version and before it is published;
  // a failure discards it and the previous version keeps serving. Set before
  // start().
  using SaveUpload = std::function<engine::Result<void>(
      const std::string& name, std::span<const uint8_t> wasm, const config::PluginSettings& settings)>;
  void set_save_upload(SaveUpload save) { save_upload_ = std::move(save); }

  // Any thread: memory of each worker's instance of `name` (bounded wait).
  std::vector<uint64_t> memory_per_worker(const std::string& name);

 private:
  engine::PluginOptions options_for(const std::string& name, const config::PluginSettings& settings,
                                    const config::PluginLimits& limits) const;
  // Loader thread only.
  void run_loader();
  engine::Result<Installed> load(const std::string& name, std::span<const uint8_t> wasm,
                                 config::PluginSettings settings, Persist persist);

  engine::Vm& vm_;
  ServerContext& server_;
  std::vector<IoWorker*> workers_;
  PluginStore& store_;
  SaveUpload save_upload_;

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
const config::PluginConfig* config_plugin(const config::Config& cfg, std::string_view name);

}  // namespace hookd::server
