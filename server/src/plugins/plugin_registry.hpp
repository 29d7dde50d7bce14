// The set of plugins the gateway serves, published as immutable snapshots.
//
// Readers (I/O workers) keep their own snapshot and refresh it only when the
// generation number moves, so the request path reads one shared counter and
// takes no lock. Writers (the admin API, startup) build a complete new
// snapshot and publish it atomically: a request sees either the old plugin
// version or the new one, never a mix.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "hookd/config/config.hpp"
#include "hookd/engine/plugin.hpp"
#include "plugins/traffic_split.hpp"
#include "routing/route_table.hpp"

namespace hookd::server {

// Counters shared by all versions of a named plugin.
struct PluginCounters {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<int64_t> in_flight{0};
  std::atomic<uint64_t> loads{0};  // versions of this plugin published since start
};

struct PluginEntry {
  std::string name;
  std::shared_ptr<const engine::PluginModule> module;
  config::PluginSettings settings;
  config::PluginLimits limits;
  std::chrono::system_clock::time_point loaded_at;
  uint64_t version = 0;    // unique across the registry's life
  uint64_t revision = 0;   // this plugin's own count: 1 for its first load, +1 per replacement
  bool persisted = false;  // uploaded through the admin API
  // Its number among the plugin's versions (plugin_version.hpp); 0 when the
  // catalog keeps none of it (config file, examples).
  uint64_t upload_version = 0;
  bool blocking = false;  // may wait on the network: runs in the blocking lane
  // Whether max_concurrency can bind at all: calls run on at most one thread
  // each, so a limit at or above the thread count needs no counting.
  bool count_concurrency = true;
  // I/O workers its calls may occupy at once (limits.max_worker_share); a
  // call beyond that waits briefly, then gets 503. Not for blocking plugins,
  // whose calls run in the blocking lane.
  uint32_t worker_cap = UINT32_MAX;
  std::shared_ptr<PluginCounters> counters;
  std::string signed_by;  // id of the trusted key that signed the module; empty: unsigned
};

// A plugin's canary version during a release (traffic_split.hpp): loaded
// and instantiated on every worker as the stable one is, serving `split`'s
// weight of its calls.
struct CanaryVersion {
  std::shared_ptr<const PluginEntry> entry;
  std::shared_ptr<TrafficSplit> split;
};

struct Catalog {
  uint64_t generation = 0;
  std::map<std::string, std::shared_ptr<const PluginEntry>, std::less<>> plugins;
  // Plugins in a release: their canary beside the stable entry in `plugins`.
  // The stable version's routes serve (a release whose canary has other
  // routes is refused), so the canary adds none.
  std::map<std::string, CanaryVersion, std::less<>> canaries;
  // The routes to these plugins' functions ([[routes]] of the config file
  // and each plugin's own), built for exactly this set of plugins
  // (catalog_routes.hpp): published with it, so a request never sees a
  // route to a function that is not loaded. Never null.
  std::shared_ptr<const routing::RouteTable> routes = std::make_shared<const routing::RouteTable>();

  [[nodiscard]] const PluginEntry* find(std::string_view name) const {
    auto it = plugins.find(name);
    return it == plugins.end() ? nullptr : it->second.get();
  }
};

class PluginRegistry {
 public:
  PluginRegistry();

  [[nodiscard]] uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  [[nodiscard]] std::shared_ptr<const Catalog> snapshot() const;

  // Serialises writers: hold it across prepare-then-publish.
  std::unique_lock<std::mutex> lock_writes() { return std::unique_lock(write_mu_); }

  // With the write lock held: publishes `next` (its generation is assigned).
  void publish(std::shared_ptr<Catalog> next);
  uint64_t next_version() { return ++versions_; }
  // Counters survive replacement of a plugin, so they live here by name.
  std::shared_ptr<PluginCounters> counters_for(const std::string& name);

 private:
  std::mutex write_mu_;
  mutable std::mutex read_mu_;
  std::shared_ptr<const Catalog> current_;
  std::atomic<uint64_t> generation_{0};
  uint64_t versions_ = 0;
  std::map<std::string, std::shared_ptr<PluginCounters>> counters_;
};

}  // namespace hookd::server
