// Loads, replaces and removes plugins: validate and compile once, instantiate
// on every worker, persist (for uploads), then publish atomically. A failure
// at any step leaves the previous version serving.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hookd/engine/vm.hpp"
#include "io_worker.hpp"
#include "plugin_store.hpp"
#include "server_context.hpp"

namespace hookd::server {

class PluginManager {
 public:
  PluginManager(engine::Vm& vm, ServerContext& server, std::vector<IoWorker*> workers, PluginStore& store);
  ~PluginManager();

  // The manager compiles and probes plugins in its own engine worker, which
  // belongs to the thread that calls this (the admin thread).
  void attach_to_current_thread();
  void detach();

  struct Installed {
    std::shared_ptr<const PluginEntry> entry;
    bool replaced = false;
  };
  enum class Persist { kNo, kWrite, kAlreadyStored };
  engine::Result<Installed> install(const std::string& name, std::span<const uint8_t> wasm,
                                    config::PluginSettings settings, Persist persist);
  // false when there was no such plugin.
  engine::Result<bool> remove(const std::string& name);

  // Any thread: memory of each worker's instance of `name` (bounded wait).
  std::vector<uint64_t> memory_per_worker(const std::string& name);

 private:
  engine::PluginOptions options_for(const std::string& name, const config::PluginSettings& settings,
                                    const config::PluginLimits& limits) const;

  engine::Vm& vm_;
  ServerContext& server_;
  std::vector<IoWorker*> workers_;
  PluginStore& store_;
  std::unique_ptr<engine::Worker> probe_;
};

bool valid_plugin_name(std::string_view name);

}  // namespace hookd::server
